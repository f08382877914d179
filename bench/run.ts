/**
 * `npm run bench [-- --quick] [-- --skip-1m] [-- --compare]`: the load benchmarks of issue 6 (and
 * the observability costs of issue 5), and the interleaved comparison with the peers of issue 19,
 * against the real server started as a child process, driven by wrk. Writes
 * bench/results/<time>.json and .md; bench/RESULTS.md quotes a full run. See bench/README.md.
 */
import { execSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  BENCH_DIR,
  CURSOR_SECRET,
  METRICS_PORT,
  PG_SERVER,
  PORT,
  appEnv as baseAppEnv,
  serverEnvFrom,
} from './lib/app-env.js';
import {
  BASELINE,
  BASELINE_CACHE_OFF,
  CONTENDERS,
  captureReference,
  checkSameAnswers,
  summariseComparison,
  renderComparison,
  type Reference,
} from './lib/compare.js';
import { prepareDataset, type Dataset } from './lib/datasets.js';
import { startOtlpSink } from './lib/otlp-sink.js';
import { choosePinning } from './lib/pinning.js';
import { schedulerTimes } from './overload/probes.js';
import {
  cacheLookups,
  cpuSeconds,
  jsMemoryMiB,
  rssMiB,
  rssPartsMiB,
  type JsMemory,
  startServer,
  type Server,
} from './lib/processes.js';
import { renderReport, rssTrend, trendOf, type Run } from './lib/report.js';
import { runWrk, type WrkOptions } from './lib/wrk.js';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean' },
    'skip-1m': { type: 'boolean' },
    seconds: { type: 'string' },
    'soak-seconds': { type: 'string' },
    /** Mixed traffic before the soak's RSS samples start (default 90 s, 3 with --quick). */
    'soak-warmup-seconds': { type: 'string' },
    /** `tracing`: only the tracing-cost runs (SQLite, c=50), printed and written as JSON; `soak`: only the soak. */
    only: { type: 'string' },
    /** `--only tracing` and the peer comparison: how many interleaved rounds (default 3, 1 with --quick). */
    rounds: { type: 'string' },
    /** Only the interleaved comparison of ours with the peers (bench/peers/). */
    compare: { type: 'boolean' },
    /** Do not pin the server and wrk to separate CPUs. */
    'no-pin': { type: 'boolean' },
    /** The comparison adds our server from this checkout of another commit (lib/compare.ts). */
    baseline: { type: 'string' },
    /** The comparison measures only these, comma-separated: ours,bare,raw,express,express-bare,cache-off,baseline,baseline-cache-off. */
    contenders: { type: 'string' },
    /** The comparison runs our servers (ours, cache-off, baseline) on PostgreSQL 10k + Redis; the peers are unchanged. */
    postgres: { type: 'boolean' },
    /** `--only soak`: KEY=VALUE added to the server's environment (repeatable), e.g. an A/B of one setting. */
    'server-env': { type: 'string', multiple: true },
  },
});
const quick = values.quick === true;
const SECONDS = Number(values.seconds ?? (quick ? 3 : 10));
const WARMUP_SECONDS = quick ? 1 : 3;
// 90 s: in the 2026-12-07 soak the server's RSS still climbed for the first 60 s after a 30 s
// warm-up (caches and the V8 heap growing to their working size), then held within 5 MiB for
// nine minutes; a slope fitted through that climb reported a trend that was not there.
const SOAK_WARMUP_SECONDS = Number(values['soak-warmup-seconds'] ?? (quick ? 3 : 90));
const SOAK_SECONDS = Number(values['soak-seconds'] ?? (quick ? 20 : 300));
const DIR = BENCH_DIR;
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runTag = `bench-${process.pid}`;
const runs: Run[] = [];
const pinning = values['no-pin'] ? undefined : choosePinning();
const pinningText = pinning
  ? `server on CPU ${pinning.server}, wrk on CPU ${pinning.load} (taskset)`
  : 'none (--no-pin, one CPU, or no taskset); server, wrk and everything else share the CPUs';
const notes: string[] = [];

const log = (message: string) => process.stderr.write(`${message}\n`);

/** `--contenders` names, in the order of CONTENDERS. */
const CONTENDER_KEYS = ['ours', 'bare', 'raw', 'express', 'express-bare', 'cache-off'];

/** `--server-env KEY=VALUE` pairs: the soak's server only. */
const soakEnv = serverEnvFrom(values['server-env']);

/** Production configuration (lib/app-env.ts) for this run. */
const appEnv = (dataset: Dataset, extra: Record<string, string> = {}) =>
  baseAppEnv(dataset, runTag, extra);

async function withServer<T>(
  label: string,
  script: string,
  env: Record<string, string>,
  body: (server: Server) => Promise<T>,
): Promise<T> {
  log(`• ${label}`);
  const server = await startServer(script, env, {
    port: PORT,
    metricsPort: env.METRICS_ENABLED === 'false' || !env.METRICS_PORT ? undefined : METRICS_PORT,
    logFile: join(DIR, `server-${stamp}.log`),
    cpus: pinning?.server,
  });
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

type Load = Omit<WrkOptions, 'url' | 'seconds' | 'connections'>;

function load(dataset: Dataset, mode: WrkOptions['mode'], extra: Partial<Load> = {}): Load {
  return {
    mode,
    cpus: pinning?.load,
    key: dataset.key,
    idsFile: mode === 'pay' ? dataset.payIds : dataset.getIds,
    userId: dataset.userId,
    ...extra,
  };
}

const load1 = () => Math.round(loadavg()[0]! * 100) / 100;

/** Warms up, measures, and records one run against a started server. */
async function measure(
  server: Server,
  meta: Pick<Run, 'group' | 'scenario' | 'db' | 'features' | 'round'>,
  options: Load,
  connections = 50,
): Promise<Run> {
  await runWrk({ ...options, url: server.url, connections, seconds: WARMUP_SECONDS });
  const cpuBefore = cpuSeconds(server.pid);
  const schedBefore = schedulerTimes(server.pid);
  const loadBefore = load1();
  let loadDuring = loadBefore;
  const sampler = setInterval(() => (loadDuring = Math.max(loadDuring, load1())), 1_000);
  const result = await runWrk({ ...options, url: server.url, connections, seconds: SECONDS });
  clearInterval(sampler);
  loadDuring = Math.max(loadDuring, load1());
  const schedAfter = schedulerTimes(server.pid);
  const waited = schedAfter.waitMs - schedBefore.waitMs;
  const ran = schedAfter.runMs - schedBefore.runMs;
  const runqueueWaitShare = Math.round((waited / Math.max(waited + ran, 1e-9)) * 1000) / 1000;
  const cpuUsPerRequest =
    Math.round(((cpuSeconds(server.pid) - cpuBefore) / Math.max(result.requests, 1)) * 1e7) / 10;
  const run: Run = {
    ...meta,
    connections,
    ...result,
    cpuUsPerRequest,
    rssMiB: rssMiB(server.pid),
    loadBefore,
    loadDuring,
    runqueueWaitShare,
  };
  if (server.metricsUrl) run.cache = await cacheLookups(server.metricsUrl);
  runs.push(run);
  log(
    `    ${meta.scenario} c=${connections}: ${result.rps} req/s, ${cpuUsPerRequest} µs CPU/request, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms, non-2xx ${result.non2xx}, 429 ${result.rateLimited}, load ${loadBefore} → ${loadDuring}, waited for a CPU ${(runqueueWaitShare * 100).toFixed(0)}%`,
  );
  return run;
}

const APP = 'bench/server.ts';

/** Tracing on, exporting to `sinkUrl`, with the standard ratio sampler (parent-based). */
const tracedAt = (sinkUrl: string, ratio: number): Record<string, string> => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: String(ratio),
});

/**
 * `--only tracing`: the cost of tracing off, on at 100%, 10% and 1%, interleaved. Each round
 * measures every variant once, in turn, so a noisy neighbour slows all of them alike; the
 * ratios are taken within a round and the median round is reported.
 */
async function tracingCosts(sqlite: Dataset): Promise<void> {
  const sink = await startOtlpSink();
  const variants: [string, Record<string, string>][] = [
    ['all on (tracing off)', {}],
    ['tracing ON, 100% sampled', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }],
    ['tracing ON, 10% sampled', tracedAt(sink.url, 0.1)],
    ['tracing ON, 1% sampled', tracedAt(sink.url, 0.01)],
  ];
  const scenarios = [
    ['GET /v1/orders/{id}', 'get_order'],
    ['GET /v1/orders?limit=20', 'list'],
  ] as const;
  const rounds = Number(values.rounds ?? 3);
  const rps = new Map<string, number[][]>();
  const cpu = new Map<string, number[]>();
  for (let round = 0; round < rounds; round += 1) {
    for (const [features, env] of variants) {
      await withServer(`round ${round + 1}: ${features}`, APP, appEnv(sqlite, env), async (s) => {
        for (const [scenario, mode] of scenarios) {
          const run = await measure(
            s,
            { group: 'features', scenario, db: 'SQLite 10k', features },
            load(sqlite, mode),
          );
          const key = `${scenario}|${features}`;
          cpu.set(key, [...(cpu.get(key) ?? []), run.cpuUsPerRequest ?? NaN]);
          const perRound = rps.get(key) ?? [];
          (perRound[round] ??= []).push(run.rps);
          rps.set(key, perRound);
        }
      });
    }
  }
  log('\nratio to tracing off, per round (median in bold in RESULTS.md):');
  for (const [scenario] of scenarios) {
    const off = rps.get(`${scenario}|${variants[0]![0]}`)!;
    for (const [features] of variants.slice(1)) {
      const on = rps.get(`${scenario}|${features}`)!;
      const ratios = on.map((r, i) => r[0]! / off[i]![0]!).sort((a, b) => a - b);
      const median = ratios[Math.floor(ratios.length / 2)]!;
      const cpuOff = cpu.get(`${scenario}|${variants[0]![0]}`)!;
      const cpuOn = cpu.get(`${scenario}|${features}`)!;
      const cpuRatios = cpuOn.map((c, i) => cpuOff[i]! / c).sort((a, b) => a - b);
      const cpuMedian = cpuRatios[Math.floor(cpuRatios.length / 2)]!;
      log(
        `  ${scenario}, ${features}: throughput ${ratios.map((r) => r.toFixed(2)).join(' / ')} → median ${median.toFixed(2)} (cost ${((1 - median) * 100).toFixed(0)}%); ` +
          `CPU/request ${cpuRatios.map((r) => r.toFixed(2)).join(' / ')} → median ${cpuMedian.toFixed(2)} (cost ${((1 - cpuMedian) * 100).toFixed(0)}%)`,
      );
    }
  }
  await sink.close();
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    join(out, `${stamp}-tracing.json`),
    JSON.stringify({ loadAverage: loadavg(), runs, sink: sink.stats() }, null, 2),
  );
  log(`\nwritten: bench/results/${stamp}-tracing.json`);
}
const BARE = 'bench/peers/bare-fastify.ts';
const RAW = 'bench/peers/raw-node.ts';
const EXPRESS = 'bench/peers/express/main.ts';
const EXPRESS_BARE = 'bench/peers/express-bare.ts';

/**
 * What the in-memory peers answer: both endpoints as the real API answers them (all features on,
 * SQLite), written to a file for them, and kept to check every peer against.
 */
async function captureBodies(
  dataset: Dataset,
): Promise<{ bodiesFile: string; reference: Reference }> {
  const bodiesFile = join(DIR, 'bare-bodies.json');
  const firstId = readFileSync(dataset.getIds, 'utf8').split('\n')[0]!;
  const reference = await withServer(
    `capture bodies (${dataset.name}, all on)`,
    APP,
    appEnv(dataset),
    (s) => captureReference(s.url, dataset.key, firstId),
  );
  writeFileSync(
    bodiesFile,
    JSON.stringify({
      order: JSON.parse(reference.order.text) as unknown,
      list: JSON.parse(reference.list.text) as unknown,
    }),
  );
  return { bodiesFile, reference };
}

/**
 * Ours and the peers (bench/peers/) on both reads, interleaved: each round starts and measures
 * every server in turn (A B C D, A B C D, …), so a neighbour's load falls on all of them alike;
 * before its first round each peer must answer exactly what ours answered. SQLite, 50 connections.
 */
async function compareWithPeers(
  sqlite: Dataset,
  bodiesFile: string,
  reference: Reference,
  /** The dataset our servers run on: `sqlite`, or PostgreSQL with `--postgres`. */
  ours: Dataset = sqlite,
): Promise<{ pinning: string; summary: ReturnType<typeof summariseComparison> }> {
  const oursDb = ours === sqlite ? 'SQLite 10k' : 'PostgreSQL 10k';
  const memory = { PORT: String(PORT), BENCH_BARE_BODIES: bodiesFile };
  const servers: Record<string, { script: string; env: Record<string, string>; headers: boolean }> =
    {
      [CONTENDERS[0]!]: { script: APP, env: appEnv(ours), headers: true },
      [CONTENDERS[1]!]: { script: BARE, env: memory, headers: false },
      [CONTENDERS[2]!]: { script: RAW, env: memory, headers: false },
      [CONTENDERS[3]!]: {
        script: EXPRESS,
        env: {
          NODE_ENV: 'production',
          PORT: String(PORT),
          PUBLIC_BASE_URL: `http://127.0.0.1:${PORT}`,
          DATABASE_URL: sqlite.databaseUrl,
          CURSOR_SECRET,
          RATE_LIMIT_API_KEY_QUOTA: '1000000',
          RATE_LIMIT_API_KEY_WINDOW_SECONDS: '1',
        },
        headers: true,
      },
      [CONTENDERS[4]!]: { script: EXPRESS_BARE, env: memory, headers: false },
      [CONTENDERS[5]!]: {
        script: APP,
        env: appEnv(ours, { LIST_CACHE_MAX_BYTES: '0' }),
        headers: true,
      },
    };
  if (values.baseline !== undefined) {
    const script = join(resolve(values.baseline), 'bench/server.ts');
    servers[BASELINE] = { script, env: appEnv(ours), headers: true };
    servers[BASELINE_CACHE_OFF] = {
      script,
      env: appEnv(ours, { LIST_CACHE_MAX_BYTES: '0' }),
      headers: true,
    };
  }
  const names = Object.keys(servers).filter((name) => {
    // Without --contenders, the baseline with its cache off only when asked for by name.
    if (values.contenders === undefined) return name !== BASELINE_CACHE_OFF;
    const key =
      CONTENDER_KEYS[CONTENDERS.indexOf(name)] ??
      (name === BASELINE_CACHE_OFF ? 'baseline-cache-off' : 'baseline');
    return values.contenders.split(',').includes(key);
  });
  const rounds = Number(values.rounds ?? (quick ? 1 : 3));
  for (let round = 0; round < rounds; round += 1) {
    for (const name of names) {
      const { script, env, headers } = servers[name]!;
      const dataset = script === EXPRESS || env.DATABASE_URL === undefined ? sqlite : ours;
      const db =
        env.DATABASE_URL === undefined
          ? `memory (bodies of ${oursDb})`
          : dataset === sqlite
            ? 'SQLite 10k'
            : oursDb;
      await withServer(`peers, round ${round + 1}/${rounds}: ${name}`, script, env, async (s) => {
        if (round === 0) await checkSameAnswers(name, s.url, reference, headers, dataset.key);
        for (const [scenario, mode] of [
          ['GET /v1/orders/{id}', 'get_order'],
          ['GET /v1/orders?limit=20', 'list'],
        ] as const)
          await measure(
            s,
            {
              group: 'peers',
              scenario,
              db,
              features: name,
              round,
            },
            load(dataset, mode),
          );
      });
    }
  }
  return { pinning: pinningText, summary: summariseComparison(runs) };
}

/** `--compare`: only the comparison with the peers, written as results/<time>-compare.json and .md. */
async function compareOnly(sqlite: Dataset, ours: Dataset = sqlite): Promise<void> {
  const machine = {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    node: process.version,
    pinning: pinningText,
    loadAverageAtStart: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    startedAt: new Date().toISOString(),
  };
  // The peers serve what ours answers on its own dataset (the PostgreSQL one holds the orders
  // the soak created, so its first page differs); the Express peer reads SQLite and would not.
  if (ours !== sqlite && (values.contenders ?? 'express').split(',').includes('express'))
    throw new Error(
      '--postgres: leave the Express peer out (--contenders ours,cache-off,bare,raw)',
    );
  const { bodiesFile, reference } = await captureBodies(ours);
  const comparison = await compareWithPeers(sqlite, bodiesFile, reference, ours);
  const finished = {
    ...machine,
    loadAverageAtEnd: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    finishedAt: new Date().toISOString(),
  };
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  const settings = {
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    quick,
    ours: ours === sqlite ? 'SQLite 10k' : 'PostgreSQL 10k + Redis',
  };
  writeFileSync(
    join(out, `${stamp}-compare.json`),
    JSON.stringify({ machine: finished, settings, comparison, runs }, null, 2),
  );
  const markdown = `${renderComparison(comparison.summary, comparison.pinning, settings.ours)}\nMachine: ${JSON.stringify(finished)}\nSettings: ${JSON.stringify(settings)}\n`;
  writeFileSync(join(out, `${stamp}-compare.md`), markdown);
  process.stdout.write(markdown);
  log(`\nwritten: bench/results/${stamp}-compare.json and .md`);
}

/** The soak: mixed traffic (70% GET one, 20% list, 10% create) on PostgreSQL + Redis, RSS sampled. */
async function soakRun(pg: Dataset) {
  return withServer(
    `soak ${SOAK_SECONDS}s (PostgreSQL 10k, all on)`,
    APP,
    appEnv(pg, soakEnv),
    async (s) => {
      // A longer warm-up: the soak measures steady state, not the heap growing to its working size.
      await runWrk({
        ...load(pg, 'mixed'),
        url: s.url,
        connections: 50,
        seconds: SOAK_WARMUP_SECONDS,
      });
      const samples: SoakSample[] = [];
      const started = Date.now();
      const sample = async () => {
        const t = Math.round((Date.now() - started) / 1000);
        const rss = rssMiB(s.pid);
        const parts = rssPartsMiB(s.pid);
        const js: JsMemory = s.metricsUrl ? await jsMemoryMiB(s.metricsUrl).catch(() => ({})) : {};
        samples.push({
          t,
          rssMiB: rss,
          rssAnonMiB: parts.anon,
          rssFileMiB: parts.file,
          heapUsedMiB: js.heapUsed,
          heapTotalMiB: js.heapTotal,
          externalMiB: js.external,
        });
      };
      await sample();
      // A sample still waiting for its scrape is awaited before the last one, so samples stay in order.
      let pending: Promise<void> = Promise.resolve();
      const timer = setInterval(() => {
        pending = pending.then(sample);
      }, 5_000);
      const result = await runWrk({
        ...load(pg, 'mixed'),
        url: s.url,
        connections: 50,
        seconds: SOAK_SECONDS,
      });
      clearInterval(timer);
      await pending;
      await sample();
      const cache = s.metricsUrl ? await cacheLookups(s.metricsUrl) : undefined;
      return { result, samples, cache };
    },
  );
}

/** One reading of the soak's server: RSS, RSS by kind, and the JavaScript side's memory (MiB). */
interface SoakSample {
  t: number;
  rssMiB: number;
  rssAnonMiB: number;
  rssFileMiB: number;
  heapUsedMiB?: number;
  heapTotalMiB?: number;
  externalMiB?: number;
}

/**
 * Each memory series' slope in MiB per 10 min: which part of RSS grows. The V8 heap's "used"
 * swings with every collection, so its slope is the least telling of them.
 */
function memorySlopes(samples: SoakSample[]): string {
  const series: [string, (s: SoakSample) => number | undefined][] = [
    ['RSS', (s) => s.rssMiB],
    ['RSS anonymous', (s) => s.rssAnonMiB],
    ['RSS file-backed', (s) => s.rssFileMiB],
    ['V8 heap total', (s) => s.heapTotalMiB],
    ['V8 heap used', (s) => s.heapUsedMiB],
    ['external (Buffers)', (s) => s.externalMiB],
  ];
  return series
    .map(([name, read]) => {
      const readings = samples.flatMap((s) => {
        const value = read(s);
        return value === undefined ? [] : [{ t: s.t, value }];
      });
      if (readings.length < 3) return `${name}: not sampled`;
      const trend = trendOf(readings);
      return `${name} ${readings[0]!.value} → ${readings.at(-1)!.value}, ${trend.mibPer10Min.toFixed(1)} ± ${(2 * trend.standardErrorPer10Min).toFixed(1)}`;
    })
    .join('; ');
}

/** The lowest heap reading of each whole minute of samples: nearer the live heap than any one reading. */
function heapMinimaPerMinute(samples: { t: number; heapUsedMiB?: number }[]): string[] {
  const minima = new Map<number, number>();
  const wholeMinutes = Math.floor((samples.at(-1)?.t ?? 0) / 60);
  for (const { t, heapUsedMiB } of samples) {
    // The last sample alone in a minute (at exactly 600 s) says nothing about that minute.
    if (heapUsedMiB === undefined || Math.floor(t / 60) >= wholeMinutes) continue;
    const minute = Math.floor(t / 60);
    minima.set(minute, Math.min(minima.get(minute) ?? Infinity, heapUsedMiB));
  }
  return [...minima].map(([minute, mib]) => `min ${minute}: ${mib}`);
}

/** `--only soak`: the soak alone, written as results/<time>-soak.json and .md. */
async function soakOnly(pg: Dataset): Promise<void> {
  const startedAt = new Date().toISOString();
  const loadAtStart = loadavg()[0]!.toFixed(2);
  const soak = await soakRun(pg);
  const rss = soak.samples.map((x) => x.rssMiB);
  const trend = rssTrend(soak.samples);
  const { result } = soak;
  const markdown = [
    `### Soak (${SOAK_SECONDS} s after ${SOAK_WARMUP_SECONDS} s of warm-up, mixed 70% GET one / 20% list / 10% create, PostgreSQL + Redis, 50 connections${Object.keys(soakEnv).length ? `, server env ${JSON.stringify(soakEnv)}` : ''})\n`,
    `- ${startedAt} to ${new Date().toISOString()}, Node ${process.version}, load average ${loadAtStart} at the start; pinning: ${pinningText}.`,
    `- ${result.rps} req/s, p50 ${result.p50Ms} ms, p99 ${result.p99Ms} ms; statuses ${JSON.stringify(result.statuses)}; socket errors ${result.socketErrors}.`,
    `- RSS (MiB): start ${rss[0]}, min ${Math.min(...rss)}, max ${Math.max(...rss)}, end ${rss.at(-1)}; least-squares slope ${trend.mibPer10Min.toFixed(1)} ± ${(2 * trend.standardErrorPer10Min).toFixed(1)} MiB per 10 min (two standard errors): ${trend.withinNoise ? 'no trend beyond the noise' : 'a trend beyond the noise'}.`,
    `- RSS samples (s: MiB): ${soak.samples.map((x) => `${x.t}: ${x.rssMiB}`).join(', ')}`,
    `- Memory by part (MiB, first → last reading, slope ± two standard errors per 10 min): ${memorySlopes(soak.samples)}.`,
    `- V8 heap in use, lowest of each minute (MiB, garbage included; it falls to the live heap at each collection): ${heapMinimaPerMinute(soak.samples).join(', ') || 'none (no whole minute sampled)'}`,
    '',
  ].join('\n');
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${stamp}-soak.json`), JSON.stringify({ startedAt, soak }, null, 2));
  writeFileSync(join(out, `${stamp}-soak.md`), markdown);
  process.stdout.write(markdown);
  log(`\nwritten: bench/results/${stamp}-soak.json and .md`);
}

async function main() {
  mkdirSync(DIR, { recursive: true });
  const machine = {
    cpus: `${cpus().length} × ${cpus()[0]?.model ?? '?'}`,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    postgres: execSync(`psql ${PG_SERVER}/postgres -Atc 'show server_version'`).toString().trim(),
    redis: execSync('redis-server --version').toString().trim().split(' ')[2] ?? '?',
    wrk: execSync('wrk -v 2>&1 || true').toString().split('\n')[0]?.trim() ?? '?',
    pinning: pinningText,
    loadAverageAtStart: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    startedAt: new Date().toISOString(),
  };
  log(`machine: ${JSON.stringify(machine)}`);

  log('datasets:');
  const sqlite = await prepareDataset({
    kind: 'sqlite',
    orders: 10_000,
    dir: DIR,
    postgresServer: PG_SERVER,
  });
  if (values.only === 'tracing') return tracingCosts(sqlite);
  if (values.compare)
    return compareOnly(
      sqlite,
      values.postgres
        ? await prepareDataset({
            kind: 'postgres',
            orders: 10_000,
            dir: DIR,
            postgresServer: PG_SERVER,
          })
        : sqlite,
    );
  const pg = await prepareDataset({
    kind: 'postgres',
    orders: 10_000,
    dir: DIR,
    postgresServer: PG_SERVER,
  });
  if (values.only === 'soak') return soakOnly(pg);
  const pg1m = values['skip-1m']
    ? undefined
    : await prepareDataset({
        kind: 'postgres',
        orders: 1_000_000,
        dir: DIR,
        postgresServer: PG_SERVER,
      });

  // The bodies the ceiling server answers with: what the real API sends for the same requests.
  const { bodiesFile, reference } = await captureBodies(sqlite);

  // 1. Ceiling: bare Fastify answering the same JSON from memory.
  await withServer(
    'bare Fastify',
    BARE,
    { PORT: String(PORT), BENCH_BARE_BODIES: bodiesFile },
    async (s) => {
      for (const c of [10, 50, 200]) {
        await measure(
          s,
          {
            group: 'ceiling',
            scenario: 'GET /v1/orders/{id}',
            db: 'memory',
            features: 'bare Fastify',
          },
          load(sqlite, 'get_order'),
          c,
        );
        await measure(
          s,
          {
            group: 'ceiling',
            scenario: 'GET /v1/orders?limit=20',
            db: 'memory',
            features: 'bare Fastify',
          },
          load(sqlite, 'list'),
          c,
        );
      }
    },
  );

  // 1b. Ours and the peers, interleaved (before any write changes the first page).
  const comparison = await compareWithPeers(sqlite, bodiesFile, reference);

  // 2. Every production feature on, each endpoint, on both databases; reads at 10/50/200.
  for (const dataset of [sqlite, pg]) {
    const db = dataset === sqlite ? 'SQLite 10k' : 'PostgreSQL 10k';
    await withServer(`all features on (${db})`, APP, appEnv(dataset), async (s) => {
      for (const c of [10, 50, 200]) {
        await measure(
          s,
          { group: 'endpoints', scenario: 'GET /v1/orders/{id}', db, features: 'all on' },
          load(dataset, 'get_order'),
          c,
        );
        await measure(
          s,
          { group: 'endpoints', scenario: 'GET /v1/orders?limit=20', db, features: 'all on' },
          load(dataset, 'list'),
          c,
        );
      }
      await measure(
        s,
        {
          group: 'endpoints',
          scenario: 'POST /v1/orders (Idempotency-Key)',
          db,
          features: 'all on',
        },
        load(dataset, 'create_order'),
      );
      await measure(
        s,
        { group: 'endpoints', scenario: 'POST /v1/payments (sandbox)', db, features: 'all on' },
        load(dataset, 'pay'),
      );
    });
  }

  // 3. Table size: the same reads over 1M orders (PostgreSQL).
  if (pg1m) {
    await withServer('all features on (PostgreSQL 1M)', APP, appEnv(pg1m), async (s) => {
      for (const c of [10, 50, 200]) {
        await measure(
          s,
          {
            group: 'size',
            scenario: 'GET /v1/orders/{id}',
            db: 'PostgreSQL 1M',
            features: 'all on',
          },
          load(pg1m, 'get_order'),
          c,
        );
        await measure(
          s,
          {
            group: 'size',
            scenario: 'GET /v1/orders?limit=20',
            db: 'PostgreSQL 1M',
            features: 'all on',
          },
          load(pg1m, 'list'),
          c,
        );
      }
    });
  } else notes.push('1M-order dataset skipped (--skip-1m).');

  // 4. Each production feature switched off in turn (SQLite, the single-node default), c=50.
  const sink = await startOtlpSink();
  const variants: [string, Record<string, string>, Partial<Load>?][] = [
    ['all on (repeat, for noise)', {}],
    ['logging off', { LOG_LEVEL: 'silent' }],
    ['metrics off', { METRICS_ENABLED: 'false' }],
    ['tracing ON (OTLP to local sink)', { OTEL_EXPORTER_OTLP_ENDPOINT: sink.url }],
    ['tracing ON, 10% sampled', tracedAt(sink.url, 0.1)],
    ['auth off', { BENCH_OFF: 'auth', BENCH_ACT_AS: sqlite.accountId }, { key: '' }],
    ['rate limits off', { BENCH_OFF: 'rate_limits' }],
  ];
  for (const [features, env, extra] of variants) {
    await withServer(`GET with ${features}`, APP, appEnv(sqlite, env), async (s) => {
      await measure(
        s,
        { group: 'features', scenario: 'GET /v1/orders/{id}', db: 'SQLite 10k', features },
        load(sqlite, 'get_order', extra),
      );
      await measure(
        s,
        { group: 'features', scenario: 'GET /v1/orders?limit=20', db: 'SQLite 10k', features },
        load(sqlite, 'list', extra),
      );
      if (features.startsWith('all on'))
        await measure(
          s,
          {
            group: 'features',
            scenario: 'POST /v1/orders (Idempotency-Key)',
            db: 'SQLite 10k',
            features,
          },
          load(sqlite, 'create_order'),
        );
    });
  }
  await withServer(
    'POST with idempotency off',
    APP,
    appEnv(sqlite, { BENCH_OFF: 'idempotency' }),
    async (s) => {
      await measure(
        s,
        {
          group: 'features',
          scenario: 'POST /v1/orders (Idempotency-Key)',
          db: 'SQLite 10k',
          features: 'idempotency off',
        },
        load(sqlite, 'create_order', { idempotency: false }),
      );
    },
  );
  notes.push(`OTLP sink received ${JSON.stringify(sink.stats())} during the tracing-on run.`);
  await sink.close();

  // 5. Soak: mixed traffic (70% GET one, 20% list, 10% create) on PostgreSQL + Redis, RSS sampled.
  const soak = await soakRun(pg);

  const finished = {
    ...machine,
    loadAverageAtEnd: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
    finishedAt: new Date().toISOString(),
  };
  const report = {
    machine: finished,
    settings: {
      seconds: SECONDS,
      warmupSeconds: WARMUP_SECONDS,
      soakSeconds: SOAK_SECONDS,
      soakWarmupSeconds: SOAK_WARMUP_SECONDS,
      quick,
    },
    datasets: [sqlite, pg, pg1m]
      .filter(Boolean)
      .map((d) => ({ name: d!.name, orders: d!.orders, seedSeconds: d!.seedSeconds })),
    runs,
    soak,
    notes,
    comparison,
  };
  const out = join(import.meta.dirname, 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${stamp}.json`), JSON.stringify(report, null, 2));
  const markdown = renderReport(report);
  writeFileSync(join(out, `${stamp}.md`), markdown);
  process.stdout.write(markdown);
  log(`\nwritten: bench/results/${stamp}.json and .md`);
}

await main();
