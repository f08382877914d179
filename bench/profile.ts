/**
 * `npm run bench:profile -- <get_order|list|create_order|pay> [--seconds 10]`: our server (the
 * benchmark's production configuration, SQLite 10k) started with `--cpu-prof`, pinned like the
 * benchmark, warmed up, then under wrk load (50 connections) for the given seconds. Writes
 * bench/profiles/<endpoint>-<time>.md: self time per area, file and function within the measured
 * window only, in µs per request, with the command that made it. The raw .cpuprofile stays in
 * the benchmark's temporary directory (open it in Chrome DevTools or speedscope). See README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_DIR, METRICS_PORT, PG_SERVER, PORT, appEnv, serverEnvFrom } from './lib/app-env.js';
import { summariseProfile, type SelfTime } from './lib/cpu-profile.js';
import { prepareDataset } from './lib/datasets.js';
import { choosePinning } from './lib/pinning.js';
import { cpuTimes, startServer } from './lib/processes.js';
import { runWrk, type WrkOptions } from './lib/wrk.js';

const ENDPOINTS = {
  get_order: 'GET /v1/orders/{id}',
  list: 'GET /v1/orders?limit=20',
  create_order: 'POST /v1/orders (Idempotency-Key)',
  pay: 'POST /v1/payments (sandbox)',
} as const;
type Mode = keyof typeof ENDPOINTS;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    seconds: { type: 'string' },
    'warmup-seconds': { type: 'string' },
    connections: { type: 'string' },
    /** V8 sampling interval in µs (node --cpu-prof-interval; Node's default is 1000). */
    interval: { type: 'string' },
    /** Extra server environment, NAME=value, repeatable (e.g. OTEL_TRACES_SAMPLER_ARG=0.1). */
    'server-env': { type: 'string', multiple: true },
    'no-pin': { type: 'boolean' },
    /** Profile our server from this checkout of another commit (the "before" of a change). */
    checkout: { type: 'string' },
    /** PostgreSQL 10k (with Redis, the scale-out shape) instead of SQLite 10k. */
    postgres: { type: 'boolean' },
  },
});
const mode = positionals[0] as Mode | undefined;
if (!mode || !(mode in ENDPOINTS)) {
  process.stderr.write(
    `usage: npm run bench:profile -- <${Object.keys(ENDPOINTS).join('|')}> [--seconds N]\n`,
  );
  process.exit(2);
}
const seconds = Number(values.seconds ?? 10);
const warmupSeconds = Number(values['warmup-seconds'] ?? 3);
const connections = Number(values.connections ?? 50);
const interval = Number(values.interval ?? 250);
const extraEnv = serverEnvFrom(values['server-env']);
const pinning = values['no-pin'] ? undefined : choosePinning();
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const log = (message: string) => process.stderr.write(`${message}\n`);
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

const dataset = await prepareDataset({
  kind: values.postgres ? 'postgres' : 'sqlite',
  orders: 10_000,
  dir: BENCH_DIR,
  postgresServer: PG_SERVER,
});
const profileDir = join(BENCH_DIR, `profile-${stamp}`);
mkdirSync(profileDir, { recursive: true });
const server = await startServer(
  values.checkout === undefined ? 'bench/server.ts' : join(values.checkout, 'bench/server.ts'),
  appEnv(dataset, `profile-${process.pid}`, extraEnv),
  {
    port: PORT,
    metricsPort: METRICS_PORT,
    logFile: join(BENCH_DIR, `server-${stamp}.log`),
    cpus: pinning?.server,
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-interval', String(interval)],
  },
);
const load: Omit<WrkOptions, 'seconds'> = {
  url: server.url,
  mode,
  connections,
  key: dataset.key,
  idsFile: mode === 'pay' ? dataset.payIds : dataset.getIds,
  userId: dataset.userId,
  cpus: pinning?.load,
};
let result;
let window;
let cpuUs;
let systemUs;
const loadBefore = loadavg()[0]!;
try {
  log(`• ${ENDPOINTS[mode]}: warm-up ${warmupSeconds} s, then ${seconds} s under --cpu-prof`);
  await runWrk({ ...load, seconds: warmupSeconds });
  const cpuBefore = cpuTimes(server.pid);
  window = { from: nowUs(), to: 0 };
  result = await runWrk({ ...load, seconds });
  window.to = nowUs();
  const cpuAfter = cpuTimes(server.pid);
  systemUs = (cpuAfter.system - cpuBefore.system) * 1e6;
  cpuUs = (cpuAfter.user - cpuBefore.user) * 1e6 + systemUs;
} finally {
  // server.ts exits through process.exit on SIGTERM, which is when Node writes the profile.
  await server.stop();
}
const loadAfter = loadavg()[0]!;
// One file per thread (CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile): the main thread is
// thread 0; the metrics listener's worker writes its own.
const written = readdirSync(profileDir).filter((f) =>
  /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f),
);
if (written.length !== 1) throw new Error(`expected one main-thread .cpuprofile in ${profileDir}`);
const profileFile = join(profileDir, written[0]!);
const summary = summariseProfile(profileFile, window.from, window.to);
if (summary.samples === 0) throw new Error('no profile sample inside the measured window');

const requests = result.requests;
const busyUs = summary.sampledUs - summary.idleUs;
const perRequest = (us: number) => (us / requests).toFixed(1);
const share = (us: number) => `${((us / busyUs) * 100).toFixed(1)}%`;
const table = (title: string, rows: SelfTime[], limit: number) =>
  [
    `## ${title}\n`,
    '| self µs/request | share of busy | where |',
    '| ---: | ---: | --- |',
    ...rows.slice(0, limit).map((r) => `| ${perRequest(r.us)} | ${share(r.us)} | \`${r.name}\` |`),
    '',
  ].join('\n');

const command = `npm run bench:profile -- ${process.argv.slice(2).join(' ')}`;
/** The commit profiled, marked when its checkout has uncommitted changes. */
const git = (...args: string[]) =>
  execFileSync('git', args, { cwd: values.checkout ?? '.', encoding: 'utf8' }).trim();
const commit = `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? '+changes' : ''}`;
const markdown = [
  `# CPU profile: ${ENDPOINTS[mode]}, every production feature on (${values.postgres ? 'PostgreSQL' : 'SQLite'} 10k)\n`,
  `Made on ${new Date().toISOString()} with:\n`,
  '```sh',
  command,
  '```\n',
  `- Commit ${commit}. Server: \`bench/server.ts\` with the benchmark's production configuration (bench/lib/app-env.ts)${Object.keys(extraEnv).length ? ` plus ${JSON.stringify(extraEnv)}` : ''}, \`node --cpu-prof --cpu-prof-interval ${interval}\`, Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}.`,
  `- Pinning: ${pinning ? `server on CPU ${pinning.server}, wrk on CPU ${pinning.load} (taskset)` : 'none'}. Load average (1 min) ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after.`,
  `- Load: wrk, 2 threads, ${connections} connections, ${warmupSeconds} s warm-up (not profiled), then ${seconds} s: ${result.rps} req/s, ${requests} requests, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, statuses ${JSON.stringify(result.statuses)}.`,
  `- CPU per request: ${perRequest(cpuUs)} µs (user + system from /proc over the window, of which ${perRequest(systemUs)} µs system, the kernel's share); ${perRequest(busyUs)} µs busy in the profile (${summary.samples} samples, idle ${((summary.idleUs / summary.sampledUs) * 100).toFixed(0)}% of the window). Profiling itself adds some cost; compare profiles with each other, not with benchmark figures.`,
  `- Only samples inside the measured window count (start-up and warm-up are left out). "Self" is time in the function itself, not in what it calls. V8 builtins and Node's C++ bindings are listed as native under their JavaScript caller's area; a native addon's work (better-sqlite3 stepping a statement) is counted in the JavaScript function that called it (kysely's \`sqlite-driver.js\`). Raw profile: \`${profileFile}\` (not committed).\n`,
  table('By area (package, folder of ours, part of Node)', summary.areas, 30),
  table('By file', summary.files, 30),
  table('By function', summary.functions, 40),
].join('\n');

const out = join(import.meta.dirname, 'profiles');
mkdirSync(out, { recursive: true });
// A --server-env run is named for it: two profiles of one endpoint in a minute must not collide.
const variant = Object.entries(extraEnv)
  .map(([name, value]) => `-${name}-${value}`.toLowerCase().replace(/[^a-z0-9-]+/g, '-'))
  .join('');
const name = `${mode.replace(/_/g, '-')}${values.postgres ? '-postgres' : ''}${variant}-${commit}-${stamp.slice(0, 16)}Z.md`;
writeFileSync(join(out, name), markdown);
process.stdout.write(markdown);
log(`\nwritten: bench/profiles/${name}`);
