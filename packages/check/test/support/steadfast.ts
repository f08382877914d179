import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/api, where the Steadfast API's entry points and its tsx resolve. */
const API_DIR = fileURLToPath(new URL('../../../api/', import.meta.url));

/**
 * The child's environment: only what a process needs to run, never the runner's configuration
 * (CI exports DATABASE_URL, REDIS_URL, NODE_ENV… that must not leak into this server).
 */
function cleanEnv(config: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT'];
  const env: NodeJS.ProcessEnv = {};
  for (const name of keep) if (process.env[name] !== undefined) env[name] = process.env[name];
  return { ...env, ...config };
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

function run(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: API_DIR,
    env: cleanEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  return { child, output: () => output };
}

/** Creates a tenant with the API's keys CLI and returns its API key. */
async function createKey(databaseUrl: string, tenant: string): Promise<string> {
  const { child, output } = run(['src/cli/keys.ts', 'create', '--tenant', tenant], {
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
  });
  const [code] = (await once(child, 'close')) as [number | null];
  const key = /^api_key (\S+)$/m.exec(output())?.[1];
  if (code !== 0 || !key) throw new Error(`keys CLI failed (${code}):\n${output()}`);
  return key;
}

/** A running Steadfast API with two tenants' keys. */
export interface Steadfast {
  url: string;
  keys: { a: string; b: string };
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts the Steadfast API (`src/main.ts`) as a child process on a temporary SQLite file, over
 * HTTPS with the given certificate (plain HTTP without one), with rate limits small enough for
 * the burst probe to meet a 429 within its request cap (unless `defaultRateLimits`).
 */
export async function startSteadfast(
  tls: { certFile: string; keyFile: string } | undefined,
  options: { defaultRateLimits?: boolean } = {},
): Promise<Steadfast> {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-check-api-'));
  const databaseUrl = join(dir, 'steadfast.db');
  const port = await freePort();
  // Two probes in a row may be handed the same port; the API refuses METRICS_PORT equal to PORT.
  let metricsPort = await freePort();
  while (metricsPort === port) metricsPort = await freePort();
  const url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const a = await createKey(databaseUrl, 'check-a');
  const server = run(['src/main.ts'], {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_BASE_URL: url,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'info',
    ...(tls ? { TLS_CERT_FILE: tls.certFile, TLS_KEY_FILE: tls.keyFile } : {}),
    METRICS_PORT: String(metricsPort),
    // Required in production: signs pagination cursors.
    CURSOR_SECRET: 'cursor-secret-of-the-steadfast-check-tests',
    // 100 requests per 20 s per key: the ordinary probes (about 55 requests) stay under it, and
    // a burst goes over it even on a loaded machine (it must outpace a refill of 5 per second).
    ...(options.defaultRateLimits
      ? {}
      : { RATE_LIMIT_API_KEY_QUOTA: '100', RATE_LIMIT_API_KEY_WINDOW_SECONDS: '20' }),
    // The test machine runs other suites (and Chromium) beside this one: its event-loop delay
    // says nothing about the API, so load shedding must not answer for it.
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
  });
  const stop = async () => {
    if (server.child.exitCode === null && server.child.signalCode === null) {
      server.child.kill('SIGTERM');
      await once(server.child, 'close');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const b = await createKey(databaseUrl, 'check-b');
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no startup within 40 s:\n${server.output()}`)),
        40_000,
      );
      const check = () => {
        if (server.output().includes('"event":"startup.completed"')) {
          clearTimeout(timer);
          resolve();
        }
      };
      server.child.stdout!.on('data', check);
      server.child.once('close', () => reject(new Error(`the API exited:\n${server.output()}`)));
      check();
    });
    return { url, keys: { a, b }, output: server.output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Writes a certificate and key to files for TLS_CERT_FILE / TLS_KEY_FILE. */
export function writePems(pems: { cert: string; key: string }): {
  certFile: string;
  keyFile: string;
  remove: () => void;
} {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-check-pems-'));
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  writeFileSync(certFile, pems.cert);
  writeFileSync(keyFile, pems.key);
  return { certFile, keyFile, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
