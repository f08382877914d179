/**
 * `npm run staging:down`: stops exactly what `npm run staging` recorded in its state file (pids
 * checked against their start time, so a recycled pid is never signalled), newest first, and
 * nothing else. Logs stay in the state directory.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forgetState, loadState } from './state.js';
import { stopRecorded } from './teardown.js';

const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

async function main(): Promise<void> {
  const stateDir = resolve(process.env.STAGING_STATE_DIR ?? join(repoDir, '.staging'));
  const state = loadState(stateDir);
  if (state === undefined) {
    process.stdout.write(`Nothing to stop: no staging state in ${stateDir}.\n`);
    return;
  }
  process.stdout.write('Stopping the staging topology…\n');
  for (const line of await stopRecorded(state)) process.stdout.write(`  ${line}\n`);
  forgetState(stateDir);
  process.stdout.write(`Stopped. Logs are kept in ${join(stateDir, 'logs')}.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`staging:down: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
