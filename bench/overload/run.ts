/**
 * `npm run bench:overload`: the overload benchmark of issue 20 against a production start of the
 * API (packages/api/src/main.ts, NODE_ENV=production, SQLite with 100,000 orders): the
 * 2,000-connection burst and the 25,000-connection idle flood, each with /livez, /readyz and the
 * metrics scrape probed from new connections throughout. Load comes from other processes (wrk,
 * flood.ts) so this process only probes. Writes bench/results/<time>-overload.json and .md.
 * See bench/README.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { serverEnvFrom } from '../lib/app-env.js';
import { prepareDataset, type Dataset } from '../lib/datasets.js';
import { startServer, type Server } from '../lib/processes.js';
import { runWrk, type WrkResult } from '../lib/wrk.js';
import {
  listenOverflows,
  processFootprint,
  quantile,
  schedulerTimes,
  startProbing,
  startSampling,
  timedGet,
  type ProbeTarget,
  type Sample,
} from './probes.js';
import { renderOverloadReport, type OverloadResult } from './report.js';

const { values } = parseArgs({
  options: {
    orders: { type: 'string', default: '100000' },
    'burst-connections': { type: 'string', default: '2000' },
    'burst-seconds': { type: 'string', default: '20' },
    'flood-connections': { type: 'string', default: '25000' },
    'flood-hold-seconds': { type: 'string', default: '20' },
    /** Skip a part: `burst` or `flood`. */
    skip: { type: 'string' },
    /** Keep-alive clients timing each answer during the burst (the shed-latency sample). */
    samplers: { type: 'string', default: '16' },
    /** LISTEN_BACKLOG of the server (default: the server's own default). */
    backlog: { type: 'string' },
    /** More server settings, NAME=value, repeatable (e.g. LOAD_SHED_MAX_QUEUE_MS=25). */
    'server-env': { type: 'string', multiple: true },
  },
});
const samplers = Number(values.samplers);
if (!Number.isInteger(samplers) || samplers < 1 || samplers > 256) {
  process.stderr.write('--samplers must be an integer from 1 to 256\n');
  process.exit(2);
}
const PORT = 3910;
const METRICS_PORT = 9910;
const PROBE_INTERVAL_MS = 200;
const LIST = '/v1/orders?limit=100';
const DIR = join(tmpdir(), 'steadfast-bench');
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const logFile = join(DIR, `overload-${stamp}.log`);
const log = (message: string) => process.stderr.write(`${message}\n`);

/** A production start; rate limits so high they never refuse (429 must not be the limiter). */
function productionEnv(dataset: Dataset): Record<string, string> {
  return {
    NODE_ENV: 'production',
    CURSOR_SECRET: 'cursor-secret-of-the-benchmark-runs-only',
    HOST: '127.0.0.1',
    PORT: String(PORT),
    PUBLIC_BASE_URL: `http://127.0.0.1:${PORT}`,
    METRICS_PORT: String(METRICS_PORT),
    DATABASE_URL: dataset.databaseUrl,
    LOG_LEVEL: 'info',
    SHUTDOWN_DELAY_MS: '0',
    SEED_DEMO_TENANT: 'false',
    RATE_LIMIT_API_KEY_QUOTA: '1000000',
    RATE_LIMIT_API_KEY_WINDOW_SECONDS: '1',
    ...(values.backlog ? { LISTEN_BACKLOG: values.backlog } : {}),
    ...serverEnvFrom(values['server-env']),
  };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The start-up line's connection caps and any crash trace, from the server's log. */
function readServerLog(): { startup?: Record<string, unknown>; fatal: string[] } {
  const lines = readFileSync(logFile, 'utf8').split('\n');
  let startup: Record<string, unknown> | undefined;
  const fatal: string[] = [];
  for (const line of lines) {
    if (line.includes('"startup.completed"')) startup = JSON.parse(line) as Record<string, unknown>;
    if (/uncaught|EMFILE|Failed to start|"level":60/i.test(line)) fatal.push(line.slice(0, 500));
  }
  return { startup, fatal };
}

/** Samples the server's footprint every second until stopped. */
function watchFootprint(pid: number, phaseStart: number) {
  const samples: { at: number; rssMiB: number; fds: number }[] = [];
  const take = () => {
    if (alive(pid))
      samples.push({ at: Math.round(performance.now() - phaseStart), ...processFootprint(pid) });
  };
  take();
  const scheduled = schedulerTimes(pid);
  const started = performance.now();
  const timer = setInterval(take, 1_000);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return samples;
    },
    /** Of the phase's wall time: the share the server ran, and waited runnable for a CPU. */
    cpu: () => {
      const now = schedulerTimes(pid);
      const wall = performance.now() - started;
      const share = (ms: number) => Math.round((ms / wall) * 100) / 100;
      return {
        ran: share(now.runMs - scheduled.runMs),
        waitedForCpu: share(now.waitMs - scheduled.waitMs),
      };
    },
  };
}

function probeSummary(samples: Record<ProbeTarget, Sample[]>) {
  return Object.fromEntries(
    Object.entries(samples).map(([target, list]) => {
      const answered = list.filter((s) => s.status === 200);
      const slowest = [...list].sort((a, b) => b.totalMs - a.totalMs)[0];
      return [
        target,
        {
          probes: list.length,
          non200: list.length - answered.length,
          errors: list.filter((s) => s.status === 0).map((s) => s.error),
          p50Ms: quantile(
            list.map((s) => s.totalMs),
            0.5,
          ),
          p99Ms: quantile(
            list.map((s) => s.totalMs),
            0.99,
          ),
          maxMs: slowest?.totalMs ?? NaN,
          slowest,
          over1s: list.filter((s) => s.totalMs >= 1000 || s.status !== 200).length,
        },
      ];
    }),
  );
}

/** The flood: `count` connections from child processes of at most 12,500 each (ulimit -n). */
async function flood(count: number, from: string[], holdSeconds: number, phaseStart: number) {
  const perProcess = 12_500;
  const processes = Math.ceil(count / perProcess);
  const children = Array.from({ length: processes }, (_, i) => {
    const share = Math.min(perProcess, count - i * perProcess);
    const mine = from.filter((_, j) => j % processes === i);
    const args = [
      '--import',
      'tsx',
      join(import.meta.dirname, 'flood.ts'),
      '--port',
      String(PORT),
      '--count',
      String(share),
      '--from',
      (mine.length > 0 ? mine : from).join(','),
      '--hold',
      String(holdSeconds),
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const opened = new Promise<number>((resolve) =>
      child.stderr.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('FLOOD_OPEN')) resolve(performance.now() - phaseStart);
      }),
    );
    const result = new Promise<Record<string, unknown>>((resolve, reject) =>
      child.once('exit', () => {
        const line = out.split('\n').find((l) => l.startsWith('FLOOD_RESULT '));
        if (!line) reject(new Error(`flood client gave no result: ${out}`));
        else resolve(JSON.parse(line.slice('FLOOD_RESULT '.length)) as Record<string, unknown>);
      }),
    );
    return { opened, result };
  });
  return {
    opened: Promise.all(children.map((c) => c.opened)),
    results: Promise.all(children.map((c) => c.result)),
  };
}

async function floodPhase(
  server: Server,
  label: string,
  from: string[],
): Promise<OverloadResult['floods'][number]> {
  const count = Number(values['flood-connections']);
  log(`• idle flood: ${count} connections from ${label}`);
  const phaseStart = performance.now();
  const load = loadavg();
  const overflowsBefore = listenOverflows();
  const probing = startProbing(urls(server), PROBE_INTERVAL_MS, phaseStart);
  const footprint = watchFootprint(server.pid, phaseStart);
  const running = await flood(count, from, Number(values['flood-hold-seconds']), phaseStart);
  const openedAt = await running.opened;
  const clients = await running.results;
  const probes = await probing.stop();
  const footprints = footprint.stop();
  const cpu = footprint.cpu();
  await sleep(3_000);
  const after = await timedGet(`${server.url}/livez`, { agent: false, phaseStart });
  const outcomes: Record<string, number> = {};
  for (const client of clients)
    for (const [k, v] of Object.entries(client.outcomes as Record<string, number>))
      outcomes[k] = (outcomes[k] ?? 0) + v;
  const result = {
    label,
    connections: count,
    loadAverage: load,
    openedAtMs: openedAt.map(Math.round),
    outcomes,
    answered200: clients.reduce((sum, c) => sum + (c.answered200 as number), 0),
    clients,
    probes: probeSummary(probes),
    rawProbes: probes,
    footprint: footprints,
    cpu,
    peakRssMiB: Math.max(...footprints.map((f) => f.rssMiB)),
    peakFds: Math.max(...footprints.map((f) => f.fds)),
    listenOverflows: diffOverflows(overflowsBefore),
    serverAlive: alive(server.pid),
    livezAfter: after,
  };
  log(
    `    outcomes ${JSON.stringify(outcomes)}; probes max ${['livez', 'readyz', 'metrics'].map((t) => result.probes[t]!.maxMs).join(' / ')} ms, ops listener ${['ops_livez', 'ops_readyz'].map((t) => result.probes[t]!.maxMs).join(' / ')} ms; peak RSS ${result.peakRssMiB} MiB, fds ${result.peakFds}; alive ${result.serverAlive}`,
  );
  return result;
}

function diffOverflows(before: { overflows: number; drops: number }) {
  const now = listenOverflows();
  return { overflows: now.overflows - before.overflows, drops: now.drops - before.drops };
}

const urls = (server: Server): Record<ProbeTarget, string> => ({
  livez: `${server.url}/livez`,
  readyz: `${server.url}/readyz`,
  metrics: server.metricsUrl!,
  ops_livez: server.metricsUrl!.replace(/\/metrics$/, '/livez'),
  ops_readyz: server.metricsUrl!.replace(/\/metrics$/, '/readyz'),
});

const twoXx = (r: WrkResult) =>
  Object.entries(r.statuses)
    .filter(([code]) => code.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);

async function burstPhase(server: Server, dataset: Dataset): Promise<OverloadResult['burst']> {
  const wrk = { mode: 'list' as const, key: dataset.key, idsFile: dataset.getIds };
  const common = { ...wrk, userId: dataset.userId, url: server.url, listLimit: 100 };
  // Unloaded latency of one client, the yardstick of "normal latency" after the burst.
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const single: Sample[] = [];
  for (let i = 0; i < 40; i += 1)
    single.push(await timedGet(`${server.url}${LIST}`, { agent, key: dataset.key, phaseStart: 0 }));
  agent.destroy();
  const unloadedP50 = quantile(
    single.slice(10).map((s) => s.totalMs),
    0.5,
  );
  log(`• unloaded latency of ${LIST}: p50 ${unloadedP50} ms`);

  log('• maximum sustainable throughput (3 s warm-up, then 10 s at 10 and at 50 connections)');
  await runWrk({ ...common, connections: 10, seconds: 3 });
  const sustained: { connections: number; result: WrkResult; twoXxPerSecond: number }[] = [];
  for (const connections of [10, 50]) {
    const result = await runWrk({ ...common, connections, seconds: 10 });
    const twoXxPerSecond = Math.round(twoXx(result) / 10);
    sustained.push({ connections, result, twoXxPerSecond });
    log(
      `    c=${connections}: ${twoXxPerSecond} 2xx/s, statuses ${JSON.stringify(result.statuses)}`,
    );
  }
  const maxSustainable = Math.max(...sustained.map((s) => s.twoXxPerSecond));

  const connections = Number(values['burst-connections']);
  const seconds = Number(values['burst-seconds']);
  log(`• burst: ${connections} keep-alive connections, ${LIST}, ${seconds} s`);
  const load = loadavg();
  const overflowsBefore = listenOverflows();
  const phaseStart = performance.now();
  // The samplers' and the after-burst client's connections are opened before the burst, as an
  // existing client's are: a connection opened during it waits in the accept queue (see probes).
  const sampling = startSampling(`${server.url}${LIST}`, dataset.key, samplers, phaseStart);
  const afterAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  await timedGet(`${server.url}${LIST}`, { agent: afterAgent, key: dataset.key, phaseStart });
  await sleep(500);
  const probing = startProbing(urls(server), PROBE_INTERVAL_MS, phaseStart);
  const footprint = watchFootprint(server.pid, phaseStart);
  const burstStart = performance.now();
  const burst = await runWrk({ ...common, connections, seconds, timeoutSeconds: 10 });
  const burstEnd = performance.now();
  const footprints = footprint.stop();
  const cpu = footprint.cpu();
  const overflows = diffOverflows(overflowsBefore);
  const stopped = Promise.all([probing.stop(), sampling.stop()]);

  // After the burst: one request every 100 ms for 3 s on the kept-alive connection, and one on a
  // new connection each time (which waits behind whatever the burst left in the accept queue).
  const after: Sample[] = [];
  const afterNew: Sample[] = [];
  const afterLoop = async (agent: Agent | false, into: Sample[]) => {
    while (performance.now() - burstEnd < 3_000) {
      into.push(
        await timedGet(`${server.url}${LIST}`, { agent, key: dataset.key, phaseStart: burstEnd }),
      );
      await sleep(100);
    }
  };
  await Promise.all([afterLoop(afterAgent, after), afterLoop(false, afterNew)]);
  afterAgent.destroy();
  const [probes, sampled] = await stopped;
  const normalMs = Math.max(3 * unloadedP50, unloadedP50 + 25);
  const normal = (s: Sample) => s.status === 200 && s.totalMs <= normalMs;
  const recovered = (samples: Sample[]) => {
    const first = samples.findIndex((_, i) => samples.slice(i).every(normal));
    return first === -1 ? NaN : samples[first]!.at;
  };
  const recoveredAfterMs = recovered(after);
  const newConnectionRecoveredAfterMs = recovered(afterNew);

  const shed = sampled.filter((s) => s.status === 503);
  const served = sampled.filter((s) => s.status === 200);
  // The samplers are clients of the burst too: their answers within it count as goodput.
  const inBurst = (x: Sample) => x.at >= burstStart - phaseStart && x.at < burstEnd - phaseStart;
  const samplersServed = served.filter(inBurst).length;
  const goodput = Math.round((twoXx(burst) + samplersServed) / seconds);
  const other5xx = Object.entries(burst.statuses)
    .filter(([code]) => code.startsWith('5') && code !== '503')
    .reduce((sum, [, n]) => sum + n, 0);
  const result = {
    connections,
    seconds,
    loadAverage: load,
    unloadedP50Ms: unloadedP50,
    sustained,
    maxSustainable,
    wrk: burst,
    goodput,
    goodputRatio: Math.round((goodput / maxSustainable) * 100) / 100,
    other5xx,
    sampled: {
      clients: samplers,
      servedInBurst: samplersServed,
      requests: sampled.length,
      shed: shed.length,
      shedP50Ms: quantile(
        shed.map((s) => s.totalMs),
        0.5,
      ),
      shedP99Ms: quantile(
        shed.map((s) => s.totalMs),
        0.99,
      ),
      shedMaxMs: quantile(
        shed.map((s) => s.totalMs),
        1,
      ),
      shedWellFormed: shed.every(
        (s) =>
          s.retryAfter !== undefined && /^application\/problem\+json/.test(s.contentType ?? ''),
      ),
      servedP50Ms: quantile(
        served.map((s) => s.totalMs),
        0.5,
      ),
      servedP99Ms: quantile(
        served.map((s) => s.totalMs),
        0.99,
      ),
      other: sampled.filter((s) => s.status !== 200 && s.status !== 503).length,
    },
    probes: probeSummary(probes),
    rawProbes: probes,
    after: {
      normalMs,
      recoveredAfterMs,
      newConnectionRecoveredAfterMs,
      samples: after,
      newConnectionSamples: afterNew,
    },
    footprint: footprints,
    cpu,
    listenOverflows: overflows,
    serverAlive: alive(server.pid),
  };
  log(
    `    goodput ${goodput} 2xx/s = ${result.goodputRatio} of ${maxSustainable}; server ran ${cpu.ran} of the time, waited for a CPU ${cpu.waitedForCpu}; statuses ${JSON.stringify(burst.statuses)}, socket errors ${burst.socketErrors}`,
  );
  log(
    `    sampled shed p50 ${result.sampled.shedP50Ms} ms, p99 ${result.sampled.shedP99Ms} ms (${shed.length}); served p50 ${result.sampled.servedP50Ms} ms`,
  );
  log(
    `    probes max livez ${result.probes.livez!.maxMs} ms, readyz ${result.probes.readyz!.maxMs} ms, metrics ${result.probes.metrics!.maxMs} ms, ops livez ${result.probes.ops_livez!.maxMs} ms, ops readyz ${result.probes.ops_readyz!.maxMs} ms; listen overflows ${overflows.overflows}; recovered after ${recoveredAfterMs} ms (new connections: ${newConnectionRecoveredAfterMs} ms)`,
  );
  return result;
}

async function main(): Promise<void> {
  mkdirSync(DIR, { recursive: true });
  const conditions = {
    startedAt: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    loadAverage: loadavg(),
    clientDescriptorLimit: readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'))
      ?.replace(/\s+/g, ' '),
  };
  log(`load average at start: ${conditions.loadAverage.map((l) => l.toFixed(2)).join(' ')}`);
  const dataset = await prepareDataset({
    kind: 'sqlite',
    orders: Number(values.orders),
    dir: DIR,
    postgresServer: '',
  });
  log(`• server: packages/api/src/main.ts, production, ${dataset.name} (log: ${logFile})`);
  const server = await startServer('packages/api/src/main.ts', productionEnv(dataset), {
    port: PORT,
    metricsPort: METRICS_PORT,
    logFile,
  });
  const skip = new Set((values.skip ?? '').split(','));
  const result: OverloadResult = {
    conditions,
    command: `npm run bench:overload -- ${process.argv.slice(2).join(' ')}`.trim(),
    dataset: { name: dataset.name, orders: dataset.orders },
    startup: {},
    floods: [],
    crashed: false,
    fatalLogLines: [],
  };
  try {
    const startup = readServerLog().startup ?? {};
    result.startup = {
      descriptor_limit: startup.descriptor_limit,
      max_connections: startup.max_connections,
      max_connections_per_address: startup.max_connections_per_address,
      listen_backlog: startup.listen_backlog,
      msg: startup.msg,
    };
    log(`    ${String(startup.msg)}`);
    if (!skip.has('burst')) result.burst = await burstPhase(server, dataset);
    if (!skip.has('flood')) {
      await sleep(3_000);
      result.floods.push(await floodPhase(server, 'one address (127.0.0.2)', ['127.0.0.2']));
      await sleep(3_000);
      const spread = Array.from({ length: 10 }, (_, i) => `127.0.0.${10 + i}`);
      result.floods.push(await floodPhase(server, '10 addresses (127.0.0.10-19)', spread));
    }
  } finally {
    result.crashed = !alive(server.pid);
    result.fatalLogLines = readServerLog().fatal;
    await server.stop();
  }
  const out = join(import.meta.dirname, '..', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, `${stamp}-overload.json`), JSON.stringify(result, null, 2));
  const report = renderOverloadReport(result);
  writeFileSync(join(out, `${stamp}-overload.md`), report);
  process.stdout.write(`${report}\n`);
  log(`written: bench/results/${stamp}-overload.json and .md`);
}

await main();
