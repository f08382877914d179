import type { WrkResult } from '../lib/wrk.js';
import type { ProbeTarget, Sample } from './probes.js';

/** Per probe target: how the probes from new connections fared during a phase. */
export interface ProbeSummary {
  probes: number;
  non200: number;
  errors: (string | undefined)[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  slowest?: Sample;
  /** Probes that took 1 s or more, or did not answer 200. */
  over1s: number;
}

export interface BurstResult {
  connections: number;
  seconds: number;
  loadAverage: number[];
  unloadedP50Ms: number;
  sustained: { connections: number; result: WrkResult; twoXxPerSecond: number }[];
  maxSustainable: number;
  wrk: WrkResult;
  goodput: number;
  goodputRatio: number;
  other5xx: number;
  sampled: {
    /** Keep-alive clients timing their answers (`--samplers`); absent in runs before it (4). */
    clients?: number;
    /** Their 200s within the burst, counted in the goodput with wrk's 2xx; absent before. */
    servedInBurst?: number;
    requests: number;
    shed: number;
    shedP50Ms: number;
    shedP99Ms: number;
    shedMaxMs: number;
    shedWellFormed: boolean;
    servedP50Ms: number;
    servedP99Ms: number;
    other: number;
  };
  probes: Record<string, ProbeSummary>;
  rawProbes: Record<ProbeTarget, Sample[]>;
  after: {
    normalMs: number;
    recoveredAfterMs: number;
    newConnectionRecoveredAfterMs: number;
    samples: Sample[];
    newConnectionSamples: Sample[];
  };
  footprint: { at: number; rssMiB: number; fds: number }[];
  cpu: CpuShare;
  listenOverflows: { overflows: number; drops: number };
  serverAlive: boolean;
}

/** Shares of a phase's wall time: the server on a CPU, and runnable but waiting for one. */
export interface CpuShare {
  ran: number;
  waitedForCpu: number;
}

export interface FloodResult {
  label: string;
  connections: number;
  loadAverage: number[];
  openedAtMs: number[];
  outcomes: Record<string, number>;
  answered200: number;
  clients: Record<string, unknown>[];
  probes: Record<string, ProbeSummary>;
  rawProbes: Record<ProbeTarget, Sample[]>;
  footprint: { at: number; rssMiB: number; fds: number }[];
  cpu: CpuShare;
  peakRssMiB: number;
  peakFds: number;
  listenOverflows: { overflows: number; drops: number };
  serverAlive: boolean;
  livezAfter: Sample;
}

export interface OverloadResult {
  conditions: Record<string, unknown> & { loadAverage: number[] };
  command: string;
  dataset: { name: string; orders: number };
  startup: Record<string, unknown>;
  burst?: BurstResult;
  floods: FloodResult[];
  /** The server process was gone at the end. */
  crashed: boolean;
  fatalLogLines: string[];
}

/** undefined: the run could not measure it (say why in the measured column). */
const verdict = (met: boolean | undefined) =>
  met === undefined ? 'not measured' : met ? 'MET' : '**NOT MET**';
const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
const API_PORT = ['livez', 'readyz'];
const OPS_LISTENER = ['metrics', 'ops_livez', 'ops_readyz'];
const pick = (p: Record<string, ProbeSummary>, targets: string[]) =>
  Object.fromEntries(Object.entries(p).filter(([t]) => targets.includes(t)));
const probeMax = (p: Record<string, ProbeSummary>) =>
  Math.max(...Object.values(p).map((s) => (s.non200 > 0 ? Infinity : s.maxMs)));
const probeLine = (p: Record<string, ProbeSummary>) =>
  Object.entries(p)
    .map(
      ([t, s]) =>
        `${t} max ${s.maxMs} ms (p99 ${s.p99Ms}, ${s.probes} probes, ${s.non200} not 200)`,
    )
    .join('; ');

/** The targets of issue 20 with what this run measured, as a Markdown section. */
export function renderOverloadReport(r: OverloadResult): string {
  const rows: [string, string, boolean | undefined][] = [];
  const crashes = r.crashed || r.fatalLogLines.length > 0 ? 1 : 0;
  rows.push([
    '0 crashes (whole run)',
    `${crashes} (server alive at the end: ${!r.crashed})`,
    crashes === 0,
  ]);
  const b = r.burst;
  if (b) {
    rows.push([
      'burst: /livez, /readyz on the metrics listener, and the scrape, from new connections < 1 s throughout',
      probeLine(pick(b.probes, OPS_LISTENER)),
      probeMax(pick(b.probes, OPS_LISTENER)) < 1000,
    ]);
    rows.push([
      'burst: /livez, /readyz on the API port, from new connections < 1 s throughout',
      probeLine(pick(b.probes, API_PORT)),
      probeMax(pick(b.probes, API_PORT)) < 1000,
    ]);
    rows.push(
      b.sampled.shed === 0
        ? [
            'burst: shed responses (503 problem+json + Retry-After) < 50 ms',
            `none of the samplers' ${b.sampled.requests} requests was refused (wrk: ${b.wrk.statuses['503'] ?? 0} × 503 in all)`,
            undefined,
          ]
        : [
            'burst: shed responses (503 problem+json + Retry-After) < 50 ms',
            `p50 ${b.sampled.shedP50Ms} ms, p99 ${b.sampled.shedP99Ms} ms, max ${b.sampled.shedMaxMs} ms over ${b.sampled.shed} sampled refusals; well-formed: ${b.sampled.shedWellFormed}`,
            b.sampled.shedP99Ms < 50 && b.sampled.shedWellFormed,
          ],
    );
    rows.push([
      'burst: goodput ≥ 70% of the maximum sustainable throughput',
      `${b.goodput} 2xx/s (wrk's and the ${b.sampled.clients ?? 4} samplers' ${b.sampled.servedInBurst ?? 0}) vs ${b.maxSustainable} 2xx/s = ${Math.round(b.goodputRatio * 100)}%`,
      b.goodputRatio >= 0.7,
    ]);
    rows.push([
      'after the burst: normal latency within 2 s (a client connected before the burst)',
      `every request from +${b.after.recoveredAfterMs} ms on answered 200 within ${b.after.normalMs} ms (max(3 × the unloaded p50 of ${b.unloadedP50Ms} ms, p50 + 25 ms)); slowest ${Math.max(...b.after.samples.map((x) => x.totalMs))} ms`,
      b.after.recoveredAfterMs <= 2000,
    ]);
    rows.push([
      'after the burst: normal latency within 2 s (a new connection per request)',
      `every request from +${b.after.newConnectionRecoveredAfterMs} ms on normal; slowest ${Math.max(...b.after.newConnectionSamples.map((x) => x.totalMs))} ms`,
      b.after.newConnectionRecoveredAfterMs <= 2000,
    ]);
    const statuses = JSON.stringify(b.wrk.statuses);
    rows.push([
      'burst: no 5xx other than 503',
      `${b.other5xx} (statuses ${statuses}; socket errors/timeouts ${b.wrk.socketErrors})`,
      b.other5xx === 0,
    ]);
  }
  for (const f of r.floods) {
    rows.push([
      `flood ${f.label}: probes on the metrics listener, and the scrape, < 1 s throughout`,
      probeLine(pick(f.probes, OPS_LISTENER)),
      probeMax(pick(f.probes, OPS_LISTENER)) < 1000,
    ]);
    rows.push([
      `flood ${f.label}: probes on the API port < 1 s throughout`,
      probeLine(pick(f.probes, API_PORT)),
      probeMax(pick(f.probes, API_PORT)) < 1000,
    ]);
    rows.push([
      `flood ${f.label}: server survives`,
      `alive ${f.serverAlive}, /livez after: ${f.livezAfter.status} in ${f.livezAfter.totalMs} ms`,
      f.serverAlive && f.livezAfter.status === 200,
    ]);
  }
  const lines = [
    `Run ${String(r.conditions.startedAt)}: ${String(r.conditions.cpus)} × ${String(r.conditions.cpuModel)}, Node ${String(r.conditions.node)}, load average at start ${load(r.conditions.loadAverage)} (1/5/15 min)${b ? `, before the burst ${load(b.loadAverage)}` : ''}.`,
    `Server: \`packages/api/src/main.ts\`, NODE_ENV=production, ${r.dataset.name} (${r.dataset.orders} orders), start-up line: “${String(r.startup.msg)}”, listen backlog ${String(r.startup.listen_backlog)} (net.core.somaxconn caps it).`,
    `Command: \`${r.command}\``,
    '',
    '| Target | Measured | Verdict |',
    '| --- | --- | --- |',
    ...rows.map(([target, measured, met]) => `| ${target} | ${measured} | ${verdict(met)} |`),
    '',
  ];
  if (b) {
    lines.push(
      `Burst: ${b.connections} connections × ${b.seconds} s, ${b.wrk.requests} responses (${b.wrk.rps}/s), wrk p50 ${b.wrk.p50Ms} ms, p99 ${b.wrk.p99Ms} ms over served and shed together; sampled served p50 ${b.sampled.servedP50Ms} ms, p99 ${b.sampled.servedP99Ms} ms. Maximum sustainable throughput: ${b.sustained.map((s) => `${s.twoXxPerSecond} 2xx/s at c=${s.connections}`).join(', ')}. Server on a CPU ${Math.round(b.cpu.ran * 100)}% of the burst, runnable but waiting for a CPU ${Math.round(b.cpu.waitedForCpu * 100)}% (taken by other processes). Peak RSS ${Math.max(...b.footprint.map((x) => x.rssMiB))} MiB; listen-queue overflows on the host during the burst: ${b.listenOverflows.overflows}.`,
      '',
    );
  }
  for (const f of r.floods) {
    lines.push(
      `Flood ${f.label}: ${f.connections} connections; what they got: ${Object.entries(f.outcomes)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )} (answered 200 at some point: ${f.answered200}). Server on a CPU ${Math.round(f.cpu.ran * 100)}% of the phase, waiting for one ${Math.round(f.cpu.waitedForCpu * 100)}%; peak RSS ${f.peakRssMiB} MiB, peak open descriptors ${f.peakFds}; listen-queue overflows ${f.listenOverflows.overflows}.`,
      '',
    );
  }
  return lines.join('\n');
}
