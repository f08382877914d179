import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { RouteOptions } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { contractPath, generateDocuments } from '../../src/cli/contract/documents.js';
import { API_VERSIONS } from '../../src/platform/versioning/api-version.js';
import { API_DIR } from '../support/process.js';

const run = promisify(execFile);

/** Runs the gate as CI does (`npm run openapi:check`), on documents written to `dir`. */
async function check(dir: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/openapi.ts', 'check', '--current', dir, '--no-history'],
      { cwd: API_DIR },
    );
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, output: failure.stdout + failure.stderr };
  }
}

/**
 * The gate itself: a scratch change to the v1 code that removes a response field must make CI
 * fail with a message naming it, while the committed contracts as they are pass.
 */
describe('openapi:check, the contract gate', () => {
  const dirs: string[] = [];
  const scratch = () => {
    const dir = mkdtempSync(join(tmpdir(), 'steadfast-contract-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('passes on the code as it is: the committed contracts match it', async () => {
    const dir = scratch();
    for (const version of API_VERSIONS)
      writeFileSync(join(dir, `${version}.json`), readFileSync(contractPath(version)));
    const result = await check(dir);
    expect(result.output).toContain('✓ openapi/v1.json matches the code; no breaking change');
    expect(result.code).toBe(0);
  }, 60_000);

  it('fails, naming the field, when a scratch change removes `email` from v1 users', async () => {
    // The scratch change: v1's user responses lose `email`, as an edit of the route would do.
    const dropEmail = (route: RouteOptions) => {
      if (!route.url.startsWith('/v1/users/') || route.method !== 'GET') return;
      const responses = route.schema?.response as Record<string, { properties?: object }>;
      const properties = { ...(responses['200']!.properties as Record<string, unknown>) };
      delete properties.email;
      const schema = responses['200'] as { required?: string[] };
      responses['200'] = {
        ...responses['200'],
        properties,
        required: schema.required?.filter((name) => name !== 'email'),
      } as { properties?: object };
    };
    const documents = await generateDocuments({ onRoute: dropEmail });
    const dir = scratch();
    for (const version of API_VERSIONS)
      writeFileSync(join(dir, `${version}.json`), JSON.stringify(documents[version]));

    const result = await check(dir);
    expect(result.code).toBe(1);
    expect(result.output).toContain('breaking change(s) to the published v1 contract');
    expect(result.output).toMatch(/BREAKING GET \/v1\/users\/\{id\}: \[Removed\] property `email`/);
    // v2 was not touched, and says so.
    expect(result.output).toContain('✓ openapi/v2.json matches the code; no breaking change');
  }, 60_000);
});
