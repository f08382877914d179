import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, closeSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { pinned } from './pinning.js';

/** A server started for one or more benchmark runs. */
export interface Server {
  pid: number;
  url: string;
  metricsUrl?: string;
  stop(): Promise<void>;
}

/** A PATH and HOME only: the server sees exactly the variables a scenario sets, nothing inherited. */
function cleanEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env };
}

async function waitReady(url: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode})`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`server at ${url} not ready within ${timeoutMs} ms`);
}

/**
 * Starts `script` (a TypeScript entry, through tsx) with `env`; its stdout (the access log) and
 * stderr go to `logFile`, as a log shipper would take them. Resolves once /readyz answers 200.
 * `cpus` pins it with `taskset -c` (which execs, so the pid is the server's); `nodeArgs` go
 * before the script (e.g. `--cpu-prof`).
 */
export async function startServer(
  script: string,
  env: Record<string, string>,
  options: {
    port: number;
    metricsPort?: number;
    logFile: string;
    cpus?: string;
    nodeArgs?: string[];
  },
): Promise<Server> {
  const log = openSync(options.logFile, 'a');
  const { command, args } = pinned(options.cpus, process.execPath, [
    ...(options.nodeArgs ?? []),
    '--import',
    'tsx',
    script,
  ]);
  const child = spawn(command, args, {
    env: cleanEnv(env),
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const url = `http://127.0.0.1:${options.port}`;
  await waitReady(url, child);
  return {
    pid: child.pid!,
    url,
    metricsUrl:
      options.metricsPort === undefined
        ? undefined
        : `http://127.0.0.1:${options.metricsPort}/metrics`,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(killed);
    },
  };
}

/** Resident set size of a process in MiB, from /proc (Linux). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return Math.round((kb / 1024) * 10) / 10;
}

/**
 * CPU seconds (user + system) the process has used so far, from /proc/PID/stat. CPU per request
 * is steadier than throughput on a shared machine: a neighbour's load slows the server's clock
 * time far more than it changes the work each request costs.
 */
export function cpuSeconds(pid: number): number {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/** A process's user and system CPU seconds so far (/proc/<pid>/stat). */
export function cpuTimes(pid: number): { user: number; system: number } {
  // Fields after the command name (which may hold spaces) start at field 3; utime, stime are 14, 15.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    user: Number(fields[11]) / CLOCK_TICKS_PER_SECOND,
    system: Number(fields[12]) / CLOCK_TICKS_PER_SECOND,
  };
}

/** USER_HZ: 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS_PER_SECOND = 100;

/** The lines of one Prometheus scrape. */
async function scrapeLines(metricsUrl: string): Promise<string[]> {
  return (await (await fetch(metricsUrl)).text()).split('\n');
}

/** Hits and misses per cache from steadfast_cache_requests_total. */
export async function cacheLookups(
  metricsUrl: string,
): Promise<Record<string, { hit: number; miss: number }>> {
  const counts: Record<string, { hit: number; miss: number }> = {};
  for (const line of await scrapeLines(metricsUrl)) {
    if (!line.startsWith('steadfast_cache_requests_total{')) continue;
    const cache = /cache="([^"]+)"/.exec(line)?.[1];
    const result = /result="(hit|miss)"/.exec(line)?.[1] as 'hit' | 'miss' | undefined;
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!cache || !result) continue;
    counts[cache] ??= { hit: 0, miss: 0 };
    counts[cache][result] = value;
  }
  return counts;
}

/** V8 heap in use in MiB (`nodejs_heap_size_used_bytes`), garbage not yet collected included. */
export async function heapUsedMiB(metricsUrl: string): Promise<number | undefined> {
  return (await jsMemoryMiB(metricsUrl)).heapUsed;
}

/** What the process's JavaScript side holds, in MiB, from one scrape (prom-client's default metrics). */
export interface JsMemory {
  /** V8 heap in use, garbage not yet collected included. */
  heapUsed?: number;
  /** V8 heap reserved (used + free space in its pages). */
  heapTotal?: number;
  /** Memory outside the V8 heap that JavaScript objects own (Buffers, ArrayBuffers). */
  external?: number;
}

/** One scrape's heap used, heap total and external memory, in MiB. */
export async function jsMemoryMiB(metricsUrl: string): Promise<JsMemory> {
  const lines = await scrapeLines(metricsUrl);
  const read = (name: string) => {
    const line = lines.find((l) => l.startsWith(`${name} `));
    return line === undefined ? undefined : round1(Number(line.split(' ')[1]) / 2 ** 20);
  };
  return {
    heapUsed: read('nodejs_heap_size_used_bytes'),
    heapTotal: read('nodejs_heap_size_total_bytes'),
    external: read('nodejs_external_memory_bytes'),
  };
}

/**
 * RSS split by kind, in MiB (/proc/<pid>/status): anonymous pages (the V8 heap, malloc'd native
 * memory), file-backed pages (code, mapped files) and shared memory. A growth in `anon` with a
 * flat V8 heap and flat `external` points at native allocations or allocator fragmentation.
 */
export function rssPartsMiB(pid: number): { anon: number; file: number; shmem: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) =>
    Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return {
    anon: round1(kb('RssAnon') / 1024),
    file: round1(kb('RssFile') / 1024),
    shmem: round1(kb('RssShmem') / 1024),
  };
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
