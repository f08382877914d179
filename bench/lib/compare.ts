import type { Run } from './report.js';

/** The servers of the interleaved comparison, in the order each round measures them. */
export const CONTENDERS = [
  'Steadfast (all on)',
  'bare Fastify',
  'raw node:http',
  'Express peer',
  'Express 5 bare',
  'Steadfast, list cache off',
];
const OURS = CONTENDERS[0]!;
/**
 * `--baseline DIR`: our server from another checkout (an earlier commit), measured in the same
 * rounds, so a change's saving is read within one run instead of across noisy runs.
 */
export const BASELINE = 'Steadfast at the baseline commit';
/** `--contenders baseline-cache-off`: the baseline with its list cache off (every page computed). */
export const BASELINE_CACHE_OFF = 'Steadfast at the baseline commit, list cache off';

/** Median, min and max of a few figures. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { median: NaN, min: NaN, max: NaN };
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}

/** One contender on one endpoint over every round. */
export interface ContenderSummary {
  scenario: string;
  contender: string;
  rounds: number;
  rps: Spread;
  p99Ms: Spread;
  cpuUsPerRequest: Spread;
  /** 1-minute load average just before each measured run, and its highest value during it. */
  loadBefore: Spread;
  loadDuring: Spread;
  /** Share of the run the server waited for a CPU (lib/report.ts, Run.runqueueWaitShare). */
  runqueueWait: Spread;
  /** Ours divided by this contender, per round (ours and it measured in the same round). */
  oursToThis?: Spread;
  non2xx: number;
  socketErrors: number;
}

/** Figures per endpoint and contender, and the per-round ratio of ours to each. */
export function summariseComparison(runs: Run[]): ContenderSummary[] {
  const peers = runs.filter((r) => r.group === 'peers');
  const scenarios = [...new Set(peers.map((r) => r.scenario))];
  return scenarios.flatMap((scenario) =>
    [...CONTENDERS, BASELINE, BASELINE_CACHE_OFF].flatMap((contender) => {
      const mine = peers.filter((r) => r.scenario === scenario && r.features === contender);
      if (mine.length === 0) return [];
      const ours = peers.filter((r) => r.scenario === scenario && r.features === OURS);
      const ratios = mine.flatMap((r) => {
        const same = ours.find((o) => o.round === r.round);
        return same ? [same.rps / r.rps] : [];
      });
      return [
        {
          scenario,
          contender,
          rounds: mine.length,
          rps: spread(mine.map((r) => r.rps)),
          p99Ms: spread(mine.map((r) => r.p99Ms)),
          cpuUsPerRequest: spread(mine.map((r) => r.cpuUsPerRequest ?? NaN)),
          loadBefore: spread(mine.map((r) => r.loadBefore ?? NaN)),
          loadDuring: spread(mine.map((r) => r.loadDuring ?? NaN)),
          runqueueWait: spread(mine.map((r) => r.runqueueWaitShare ?? NaN)),
          ...(contender === OURS ? {} : { oursToThis: spread(ratios) }),
          non2xx: mine.reduce((sum, r) => sum + r.non2xx + r.rateLimited, 0),
          socketErrors: mine.reduce((sum, r) => sum + r.socketErrors, 0),
        },
      ];
    }),
  );
}

const int = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');
const fixed = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const range = (s: Spread, show: (x: number) => string) =>
  s.min === s.max ? show(s.median) : `${show(s.median)} (${show(s.min)}–${show(s.max)})`;

/** The markdown table of the comparison: medians with their spread, and the ratios of ours. */
export function renderComparison(
  summary: ContenderSummary[],
  pinning: string,
  /** Where our servers ran; the peers without a database serve bodies from memory. */
  ours = 'SQLite 10k',
): string {
  const rows = summary.map((s) =>
    [
      s.scenario,
      s.contender,
      s.rounds,
      range(s.rps, int),
      range(s.cpuUsPerRequest, (x) => fixed(x, 1)),
      range(s.p99Ms, (x) => fixed(x, 2)),
      s.oursToThis ? range(s.oursToThis, (x) => `${fixed(x * 100, 0)}%`) : '—',
      `${range(s.loadBefore, (x) => fixed(x, 2))} / ${range(s.loadDuring, (x) => fixed(x, 2))}`,
      range(s.runqueueWait, (x) => `${fixed(x * 100, 0)}%`),
      `${s.non2xx} / ${s.socketErrors}`,
    ].join(' | '),
  );
  return [
    `### Ours and the peers, interleaved (ours on ${ours}, 50 connections)\n`,
    `Each round starts and measures every server in turn (${[...new Set(summary.map((s) => s.contender))].join(', ')}); figures are`,
    'the median of the rounds with the min–max in brackets. "ours ÷ it" is taken within each round',
    `(the two measured within a minute or two of each other), then the median. Pinning: ${pinning}.`,
    'The load average includes the benchmark itself (the server and wrk: about 2); "waited for a',
    'CPU" is the share of the run the server was runnable but not running (/proc/PID/schedstat):',
    'what other processes took from it. Compare servers by CPU µs/request when it is not ~0%.\n',
    '| endpoint | server | rounds | req/s | CPU µs/request | p99 ms | ours ÷ it | load avg before / during | waited for a CPU | non-2xx+429 / socket errors |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r} |`),
    '',
    '#### Targets of issue 19 (median ratio of the rounds)\n',
    ...targetLines(summary),
    '',
  ].join('\n');
}

/**
 * The throughput targets of issue 19 this comparison measures. The list always asks the first
 * page, so its figure is the repeated page's (a list-cache hit); the server with the list cache
 * off computes every page, as for a page never seen before.
 */
function targetLines(summary: ContenderSummary[]): string[] {
  const ratio = (scenario: string, contender: string) =>
    summary.find((s) => s.scenario === scenario && s.contender === contender)?.oursToThis?.median ??
    NaN;
  const line = (text: string, value: number, target: number) =>
    `- ${text}: ${Number.isFinite(value) ? `${(value * 100).toFixed(0)}%` : 'not measured'} → ${
      value >= target ? '**MET**' : '**NOT MET**'
    }`;
  const [get, list] = ['GET /v1/orders/{id}', 'GET /v1/orders?limit=20'];
  return [
    line('cached GET /v1/orders/{id} ≥ 40% of bare Fastify', ratio(get, CONTENDERS[1]!), 0.4),
    line(
      'GET /v1/orders?limit=20, repeated page, ≥ 30% of bare Fastify',
      ratio(list, CONTENDERS[1]!),
      0.3,
    ),
    // Every page computed, as a page never seen before is: (ours ÷ bare) ÷ (ours ÷ cache off).
    line(
      'GET /v1/orders?limit=20, every page computed (list cache off), ≥ 15% of bare Fastify',
      ratio(list, CONTENDERS[1]!) / ratio(list, CONTENDERS[5]!),
      0.15,
    ),
    line('GET /v1/orders/{id} ≥ 2× the Express peer (≥ 200%)', ratio(get, CONTENDERS[3]!), 2),
    line('GET /v1/orders?limit=20 ≥ 2× the Express peer (≥ 200%)', ratio(list, CONTENDERS[3]!), 2),
  ];
}

/** What the real API answered, to check every peer answers the same before it is measured. */
export interface Reference {
  orderId: string;
  key: string;
  order: Answer;
  list: Answer;
}

/** One answer: its JSON re-serialised (key order counts, whitespace does not) and its headers. */
interface Answer {
  text: string;
  etag: string | null;
  link: string | null;
  headerNames: string[];
}

/** Reads one endpoint as wrk will. */
async function read(url: string, key: string): Promise<Answer> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}`);
  return {
    text: JSON.stringify(await response.json()),
    etag: response.headers.get('etag'),
    link: response.headers.get('link'),
    headerNames: [...response.headers.keys()].sort(),
  };
}

/** Header names one answer has and the other lacks, both ways. */
function headerDifference(peer: Answer, api: Answer): string | false {
  const missing = api.headerNames.filter((name) => !peer.headerNames.includes(name));
  const extra = peer.headerNames.filter((name) => !api.headerNames.includes(name));
  if (missing.length + extra.length === 0) return false;
  return `headers missing [${missing.join(', ')}], extra [${extra.join(', ')}]`;
}

/** The reference: both endpoints as the API at `baseUrl` answers them. */
export async function captureReference(
  baseUrl: string,
  key: string,
  orderId: string,
): Promise<Reference> {
  return {
    orderId,
    key,
    order: await read(`${baseUrl}/v1/orders/${orderId}`, key),
    list: await read(`${baseUrl}/v1/orders?limit=20`, key),
  };
}

/**
 * Throws unless the server at `baseUrl` answers both endpoints with the reference's JSON (same
 * keys in the same order) and, with `headers`, the same ETag and Link and the same header names
 * (values such as RateLimit's are the library's own): a peer that sends other bodies or headers
 * would not be measured doing the same work.
 */
export async function checkSameAnswers(
  name: string,
  baseUrl: string,
  reference: Reference,
  headers: boolean,
  /** The key of the server's own dataset (the PostgreSQL one's differs from SQLite's). */
  key = reference.key,
): Promise<void> {
  const order = await read(`${baseUrl}/v1/orders/${reference.orderId}`, key);
  const list = await read(`${baseUrl}/v1/orders?limit=20`, key);
  const differences = [
    order.text !== reference.order.text && 'GET /v1/orders/{id} body',
    list.text !== reference.list.text && 'GET /v1/orders?limit=20 body',
    headers &&
      order.etag !== reference.order.etag &&
      `order ETag ${order.etag} (the API: ${reference.order.etag})`,
    headers &&
      list.etag !== reference.list.etag &&
      `list ETag ${list.etag} (the API: ${reference.list.etag})`,
    headers &&
      list.link !== reference.list.link &&
      `list Link ${list.link} (the API: ${reference.list.link})`,
    headers && headerDifference(order, reference.order),
    headers && headerDifference(list, reference.list),
  ].filter(Boolean);
  if (differences.length > 0)
    throw new Error(`${name} does not answer as the API does: ${differences.join(', ')}`);
}
