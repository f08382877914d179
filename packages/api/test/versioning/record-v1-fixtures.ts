/**
 * Records fixtures/v1-exchanges.json: `npx tsx test/versioning/record-v1-fixtures.ts`.
 * Recorded once, from the code before /v2 existed; re-recording later would only prove that v1
 * equals itself. v1 is frozen: a change that makes the replay test fail is a change to undo, not
 * to re-record.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runV1Scenario } from './v1-scenario.js';

const file = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'v1-exchanges.json');
const exchanges = await runV1Scenario('sqlite');
// The fixtures are what v1 said before its retirement was announced.
for (const { response } of exchanges) {
  delete response.headers.deprecation;
  delete response.headers.sunset;
  const links = (response.headers.link ?? '')
    .split(/,\s*(?=<)/)
    .filter((value) => value && !/rel="(successor-version|deprecation)"/.test(value));
  if (links.length > 0) response.headers.link = links.join(', ');
  else delete response.headers.link;
}
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, JSON.stringify(exchanges, null, 2) + '\n');
process.stdout.write(`${exchanges.length} exchanges written to ${file}\n`);
