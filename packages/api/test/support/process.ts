import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** packages/api: the child's working directory, so `src/main.ts` and `tsx` resolve as in `npm run`. */
export const API_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Variables config.ts reads: never inherited from the runner (CI may set DATABASE_URL, NODE_ENV…). */
const CONFIG_VARIABLES = [
  'NODE_ENV',
  'HOST',
  'PORT',
  'PUBLIC_BASE_URL',
  'DATABASE_URL',
  'DB_POOL_MAX',
  'DB_STATEMENT_TIMEOUT_MS',
  'MIGRATE_ON_START',
  'LOG_LEVEL',
  'BODY_LIMIT_BYTES',
  'REQUEST_TIMEOUT_MS',
  'HEADERS_TIMEOUT_MS',
  'HANDLER_TIMEOUT_MS',
  'KEEP_ALIVE_TIMEOUT_MS',
  'SHUTDOWN_DELAY_MS',
  'SHUTDOWN_TIMEOUT_MS',
  'TRUST_PROXY',
  'SEED_DEMO_TENANT',
  'TLS_CERT_FILE',
  'TLS_KEY_FILE',
  'CORS_ALLOWED_ORIGINS',
  'MAX_HEADER_BYTES',
  'JSON_MAX_DEPTH',
  'MAX_QUERY_PARAMS',
  'LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS',
  'LOAD_SHED_MAX_HEAP_USED_BYTES',
  'LOAD_SHED_MAX_RSS_BYTES',
  'LOAD_SHED_SAMPLE_INTERVAL_MS',
  'LOAD_SHED_MAX_QUEUE_MS',
  'LOAD_SHED_CONCURRENCY_MIN',
  'LOAD_SHED_CONCURRENCY_MAX',
  'MAX_CONNECTIONS',
  'MAX_CONNECTIONS_PER_ADDRESS',
  'LISTEN_BACKLOG',
  // CI exports REDIS_URL: children would otherwise share rate-limit buckets in the real Redis.
  'RECONCILE_INTERVAL_MS',
  'RECONCILE_STALE_AFTER_MS',
  'REDIS_URL',
  'REDIS_COMMAND_TIMEOUT_MS',
  'CACHE_INVALIDATION_CHANNEL',
  'RESOURCE_CACHE_TTL_MS',
  'RESOURCE_CACHE_MAX',
  'RATE_LIMIT_API_KEY_QUOTA',
  'RATE_LIMIT_API_KEY_WINDOW_SECONDS',
  'RATE_LIMIT_WRITE_QUOTA',
  'RATE_LIMIT_WRITE_WINDOW_SECONDS',
  'RATE_LIMIT_IP_QUOTA',
  'RATE_LIMIT_IP_WINDOW_SECONDS',
  'RATE_LIMIT_AUTH_FAILURE_QUOTA',
  'RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS',
  'RATE_LIMIT_ON_STORE_ERROR',
  'RATE_LIMIT_REDIS_PREFIX',
  'IDEMPOTENCY_TTL_HOURS',
  'IDEMPOTENCY_LOCK_TIMEOUT_MS',
  'IDEMPOTENCY_PURGE_INTERVAL_MS',
  // Unset, main.ts starts its own sandbox processor, which is what child processes should use.
  'PAYMENT_PROCESSOR_URL',
  'PROCESSOR_ATTEMPT_TIMEOUT_MS',
  'PROCESSOR_DEADLINE_MS',
  'PROCESSOR_MAX_ATTEMPTS',
  'PROCESSOR_BREAKER_THRESHOLD',
  'PROCESSOR_BREAKER_HALF_OPEN_MS',
  'METRICS_ENABLED',
  'METRICS_HOST',
  'METRICS_PORT',
  'OTEL_SDK_DISABLED',
  'OTEL_TRACES_EXPORTER',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_SERVICE_NAME',
  'V1_DEPRECATED_AT',
  'V1_SUNSET_AT',
];

function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONFIG_VARIABLES) delete base[name];
  return { ...base, ...env };
}

/** A port that was free a moment ago: listen on 0, read the port, close. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** A temporary directory holding the SQLite file `x.db`; `remove()` deletes it. */
export function tempDatabase(): { url: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-lifecycle-'));
  return { url: join(dir, 'x.db'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A child process with its output collected and its exit observable. */
export interface Child {
  process: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  /** Resolves when the process has exited (and its pipes are drained). */
  exited: Promise<Exit>;
  /** Resolves with the first stdout line containing `needle`; rejects on exit or after `timeoutMs`. */
  waitForLine: (needle: string, timeoutMs?: number) => Promise<string>;
  /** Waits for the exit, rejecting after `timeoutMs` so a hung child fails the test. */
  waitForExit: (timeoutMs?: number) => Promise<Exit>;
  /** SIGKILL if still running, then wait for the exit. Safe to call twice. */
  kill: () => Promise<void>;
}

/** How to start the child beyond its configuration. */
export interface SpawnOptions {
  /** `ulimit -n` for the child (its soft and hard descriptor limit), set by a shell before exec. */
  descriptorLimit?: number;
}

/** Spawns `node --import tsx <args>` in packages/api with the given configuration only. */
export function spawnTs(
  args: string[],
  env: Record<string, string>,
  options: SpawnOptions = {},
): Child {
  const node = [process.execPath, '--import', 'tsx', ...args];
  const [command, ...commandArgs] =
    options.descriptorLimit === undefined
      ? node
      : ['/bin/sh', '-c', `ulimit -n ${options.descriptorLimit} && exec "$@"`, 'sh', ...node];
  const child = spawn(command!, commandArgs, {
    cwd: API_DIR,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let closed = false;
  const events = new EventEmitter();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    events.emit('stdout');
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
  });
  const exited = new Promise<Exit>((resolve, reject) => {
    child.once('error', reject);
    // 'close' rather than 'exit': every byte of stdout/stderr has been read by then.
    child.once('close', (code, signal) => {
      closed = true;
      events.emit('close');
      resolve({ code, signal });
    });
  });
  const describe = () => `\n--- stdout ---\n${out}\n--- stderr ---\n${err}`;

  const waitForLine = (needle: string, timeoutMs = 15_000) =>
    new Promise<string>((resolve, reject) => {
      const check = (): boolean => {
        const line = out.split('\n').find((candidate) => candidate.includes(needle));
        if (line === undefined) return false;
        cleanup();
        resolve(line);
        return true;
      };
      const onExit = () => {
        if (check()) return;
        cleanup();
        reject(new Error(`process exited before printing ${needle}${describe()}`));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no line with ${needle} within ${timeoutMs} ms${describe()}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        events.off('stdout', check);
        events.off('close', onExit);
      };
      if (check()) return;
      if (closed) return onExit();
      events.on('stdout', check);
      events.once('close', onExit);
    });

  const waitForExit = async (timeoutMs = 15_000): Promise<Exit> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`process did not exit within ${timeoutMs} ms${describe()}`)),
        timeoutMs,
      );
    });
    try {
      return await Promise.race([exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };

  const kill = async () => {
    if (!closed && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await waitForExit(5_000).catch(() => undefined);
  };

  return {
    process: child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitForLine,
    waitForExit,
    kill,
  };
}

export interface Server extends Child {
  port: number;
  baseUrl: string;
}

/** Starts `src/main.ts` on a free port and resolves once it logged `startup.completed`. */
export async function spawnServer(
  env: Record<string, string>,
  options: SpawnOptions = {},
): Promise<Server> {
  const port = await freePort();
  // The OS may hand the same free port out twice in a row (the first probe is closed by then):
  // the API would then refuse to start, METRICS_PORT equal to PORT (a flake found once retries
  // were turned off, issue 14).
  let metricsPort = await freePort();
  while (metricsPort === port) metricsPort = await freePort();
  const child = spawnTs(
    ['src/main.ts'],
    {
      HOST: '127.0.0.1',
      PORT: String(port),
      // Servers spawned by parallel suites would otherwise all claim the default 9464.
      METRICS_PORT: String(metricsPort),
      // As in startApp: parallel suites on two cores stall event loops; only the load-shedding
      // suite sets a real threshold.
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '30000',
      LOAD_SHED_CONCURRENCY_MAX: '0',
      LOAD_SHED_MAX_QUEUE_MS: '0',
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      // Required in production; every spawned server shares it, as instances of one deployment do.
      CURSOR_SECRET: TEST_CURSOR_SECRET,
      ...env,
    },
    options,
  );
  try {
    await child.waitForLine('"event":"startup.completed"', 20_000);
  } catch (error) {
    await child.kill();
    throw error;
  }
  return { ...child, port, baseUrl: `http://127.0.0.1:${port}` };
}

/** The CURSOR_SECRET of spawned servers (production requires one). */
export const TEST_CURSOR_SECRET = 'cursor-secret-of-the-spawned-test-servers';

/** Runs a CLI under `src/` to completion and returns its exit code and output. */
export async function runTs(
  args: string[],
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawnTs(args, env);
  try {
    const { code } = await child.waitForExit(timeoutMs);
    return { code, stdout: child.stdout(), stderr: child.stderr() };
  } finally {
    await child.kill();
  }
}

/** Creates a tenant with the keys CLI against `databaseUrl` and returns its API key. */
export async function createKey(databaseUrl: string, tenant: string): Promise<string> {
  const result = await runTs(['src/cli/keys.ts', 'create', '--tenant', tenant], {
    DATABASE_URL: databaseUrl,
    NODE_ENV: 'production',
  });
  const key = /^api_key (sk_test_[0-9a-f]{60})$/m.exec(result.stdout)?.[1];
  if (result.code !== 0 || key === undefined) {
    throw new Error(`keys CLI failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
  }
  return key;
}

export interface HttpResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One request on a NEW connection (no keep-alive), bounded by `timeoutMs`. */
export async function httpRequest(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
  timeoutMs = 5_000,
): Promise<HttpResult> {
  const agent = new Agent({ keepAlive: false });
  try {
    return await new Promise<HttpResult>((resolve, reject) => {
      const req = request(
        url,
        { method: options.method ?? 'GET', headers: options.headers, agent, timeout: timeoutMs },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${url} did not answer in ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(options.body);
    });
  } finally {
    agent.destroy();
  }
}
