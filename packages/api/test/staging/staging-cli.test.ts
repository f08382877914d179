import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxBinary } from '../../../../deploy/staging/nginx.js';
import { isRunning, type StartedProcess } from '../../../../deploy/staging/processes.js';
import { prometheusBinary } from '../../../../deploy/staging/prometheus.js';
import { listening } from '../../../../deploy/staging/services.js';
import { createClient, json } from './client.js';
import {
  postgresBinaries,
  startPrivatePostgres,
  type PrivatePostgres,
} from './private-postgres.js';
import { REPO_DIR, consecutiveFreePorts, eventually, freePorts } from './support.js';

const run = promisify(execFile);
const POSTGRES_BIN = postgresBinaries();
const skipReason =
  nginxBinary() === undefined
    ? 'nginx is not installed (apt-get install nginx-light)'
    : !process.env.REDIS_URL
      ? 'REDIS_URL is not set'
      : POSTGRES_BIN === undefined
        ? 'the PostgreSQL server binaries (initdb, pg_ctl) are not installed'
        : undefined;
if (skipReason) {
  process.stdout.write(`\n[steadfast] npm run staging suite SKIPPED: ${skipReason}.\n\n`);
}

async function npmRun(script: string, env: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', script], {
      cwd: REPO_DIR,
      env,
      timeout: 150_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe.skipIf(skipReason !== undefined)('npm run staging / npm run staging:down', () => {
  let postgres: PrivatePostgres;
  let stateDir: string;
  let env: NodeJS.ProcessEnv;
  let httpsPort: number;
  let prometheusPort: number;

  beforeAll(async () => {
    postgres = await startPrivatePostgres(POSTGRES_BIN!);
    stateDir = mkdtempSync(join(tmpdir(), 'steadfast-staging-cli-'));
    let sandboxPort: number;
    [httpsPort, prometheusPort, sandboxPort] = (await freePorts(3)) as [number, number, number];
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      STAGING_STATE_DIR: stateDir,
      STAGING_RUNTIME: 'tsx',
      STAGING_API_PORT: String(await consecutiveFreePorts(2)),
      STAGING_METRICS_PORT: String(await consecutiveFreePorts(2)),
      STAGING_HTTPS_PORT: String(httpsPort),
      STAGING_SANDBOX_PORT: String(sandboxPort),
      STAGING_PROMETHEUS_PORT: String(prometheusPort),
      STAGING_DATABASE_URL: postgres.url,
      STAGING_REDIS_URL: process.env.REDIS_URL,
      // Reaches the instances like any API variable set in the operator's shell.
      SHUTDOWN_DELAY_MS: '200',
    };
  }, 60_000);

  afterAll(async () => {
    // Should the test have failed half-way, down still stops what up recorded.
    if (stateDir) await npmRun('staging:down', env);
    await postgres?.remove();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  it('up starts the topology and prints a working key; down stops exactly what up started', async () => {
    const up = await npmRun('staging', env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain(`https://localhost:${httpsPort}`);
    const key = /^ {4}(sk_test_[0-9a-f]{60})$/m.exec(up.stdout)?.[1];
    expect(key, up.stdout).toBeDefined();

    const state = JSON.parse(readFileSync(join(stateDir, 'state.json'), 'utf8')) as {
      processes: StartedProcess[];
    };
    const expected = ['api-1', 'api-2', 'nginx', 'sandbox'];
    if (prometheusBinary()) expected.push('prometheus');
    expect(state.processes.map((p) => p.name).sort()).toEqual(expected.sort());
    expect(state.processes.every(isRunning)).toBe(true);

    const again = await npmRun('staging', env);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('already running');

    const client = createClient(`https://localhost:${httpsPort}`, {
      ca: readFileSync(join(stateDir, 'tls/cert.pem'), 'utf8'),
    });
    try {
      const users = await client.send('GET', '/v1/users', { key });
      expect(users.status, users.body).toBe(200);
      expect(users.headers?.['strict-transport-security']).toMatch(/max-age=/);
    } finally {
      client.close();
    }

    if (prometheusBinary()) {
      const prometheus = createClient(`http://127.0.0.1:${prometheusPort}`);
      try {
        const healthy = await eventually(
          'Prometheus scrapes both instances',
          async () => {
            const targets = json<{
              data: { activeTargets: { health: string; labels: { job: string } }[] };
            }>(await prometheus.send('GET', '/api/v1/targets'));
            const up = targets.data.activeTargets.filter(
              (t) => t.health === 'up' && t.labels.job === 'steadfast',
            );
            return up.length === 2 ? up : undefined;
          },
          30_000,
        );
        expect(healthy).toHaveLength(2);
      } finally {
        prometheus.close();
      }
    }

    const down = await npmRun('staging:down', env);
    expect(down.code, down.stderr).toBe(0);
    for (const process of state.processes) expect(isRunning(process), process.name).toBe(false);
    expect(existsSync(join(stateDir, 'state.json'))).toBe(false);
    // What it found running (this PostgreSQL, the machine's Redis) it leaves running.
    expect(await listening('127.0.0.1', Number(new URL(postgres.url).port))).toBe(true);
    const redis = new URL(process.env.REDIS_URL!);
    expect(await listening(redis.hostname, Number(redis.port || 6379))).toBe(true);

    const nothing = await npmRun('staging:down', env);
    expect(nothing.stdout).toContain('Nothing to stop');
  });
});
