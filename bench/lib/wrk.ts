import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { pinned } from './pinning.js';

const SCRIPT = fileURLToPath(new URL('../wrk/scenario.lua', import.meta.url));

/** What one wrk run measured (bench/wrk/scenario.lua prints it). */
export interface WrkResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** Responses outside 2xx, excluding 429. */
  non2xx: number;
  /** 429 responses, listed separately. */
  rateLimited: number;
  /** Socket errors and timeouts (no response at all). */
  socketErrors: number;
}

export interface WrkOptions {
  url: string;
  mode: 'get_order' | 'list' | 'create_order' | 'pay' | 'mixed';
  connections: number;
  seconds: number;
  key: string;
  idsFile: string;
  userId: string;
  idempotency?: boolean;
  /** Page size of the `list` mode (default 20). */
  listLimit?: number;
  /** wrk's own timeout per request (default 10 s). */
  timeoutSeconds?: number;
  /** CPUs wrk is pinned to (`taskset -c`); unpinned when absent. */
  cpus?: string;
}

interface Raw {
  requests: number;
  duration_us: number;
  p50_us: number;
  p99_us: number;
  errors: { connect: number; read: number; write: number; timeout: number; status: number };
  statuses: Record<string, number>;
}

/** Runs wrk (Debian package, /usr/bin/wrk) with two threads against `url`. */
export async function runWrk(options: WrkOptions): Promise<WrkResult> {
  const args = [
    '-t',
    '2',
    '-c',
    String(options.connections),
    '-d',
    `${options.seconds}s`,
    '--timeout',
    `${options.timeoutSeconds ?? 10}s`,
    '-s',
    SCRIPT,
    options.url,
  ];
  const env = {
    ...process.env,
    BENCH_MODE: options.mode,
    BENCH_KEY: options.key,
    BENCH_IDS: options.idsFile,
    BENCH_USER: options.userId,
    BENCH_IDEMPOTENCY: options.idempotency === false ? '0' : '1',
    BENCH_NONCE: randomUUID(),
    BENCH_LIST_LIMIT: String(options.listLimit ?? 20),
  };
  const output = await new Promise<string>((resolve, reject) => {
    const run = pinned(options.cpus, 'wrk', args);
    const child = spawn(run.command, run.args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}: ${text}`)),
    );
  });
  const line = output.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (!line) throw new Error(`no result from wrk:\n${output}`);
  const raw = JSON.parse(line.slice('BENCH_RESULT '.length)) as Raw;
  const ok = (code: string) => Number(code) >= 200 && Number(code) < 300;
  const count = (pick: (code: string) => boolean) =>
    Object.entries(raw.statuses)
      .filter(([code]) => pick(code))
      .reduce((sum, [, n]) => sum + n, 0);
  return {
    requests: raw.requests,
    rps: Math.round(raw.requests / (raw.duration_us / 1e6)),
    p50Ms: raw.p50_us / 1000,
    p99Ms: raw.p99_us / 1000,
    statuses: raw.statuses,
    non2xx: count((code) => !ok(code) && code !== '429'),
    rateLimited: count((code) => code === '429'),
    socketErrors: raw.errors.connect + raw.errors.read + raw.errors.write + raw.errors.timeout,
  };
}
