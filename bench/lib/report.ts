import { renderComparison, type ContenderSummary } from './compare.js';
import type { WrkResult } from './wrk.js';

/** One measured run: a scenario on a database with a set of features, at one concurrency. */
export interface Run extends WrkResult {
  group: 'ceiling' | 'endpoints' | 'size' | 'features' | 'peers';
  /** The round of an interleaved comparison (0-based). */
  round?: number;
  scenario: string;
  db: string;
  features: string;
  connections: number;
  /** RSS of the server right after the run. */
  rssMiB: number;
  /** Server CPU time (user + system) per completed request during the measured run, in µs. */
  cpuUsPerRequest?: number;
  /** 1-minute load average just before the measured run. */
  loadBefore?: number;
  /** Highest 1-minute load average sampled (every second) during the measured run. */
  loadDuring?: number;
  /**
   * Share of the measured run the server's main thread was runnable but waiting for a CPU
   * (/proc/PID/schedstat): what neighbours (wrk included, when unpinned) took from it.
   */
  runqueueWaitShare?: number;
  /** Cumulative cache lookups of that server so far. */
  cache?: Record<string, { hit: number; miss: number }>;
}

export interface Report {
  machine: Record<string, unknown>;
  settings: { soakSeconds: number } & Record<string, unknown>;
  datasets: { name: string; orders: number; seedSeconds: number }[];
  runs: Run[];
  soak: {
    result: WrkResult;
    samples: { t: number; rssMiB: number }[];
    cache?: Record<string, { hit: number; miss: number }>;
  };
  notes: string[];
  /** The interleaved comparison with the peers (bench/peers/). */
  comparison?: { pinning: string; summary: ContenderSummary[] };
}

const GET = 'GET /v1/orders/{id}';
const LIST = 'GET /v1/orders?limit=20';
const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
const ms = (x: number) => x.toFixed(2);
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const table = (head: string[], rows: (string | number)[][]) =>
  [row(head), row(head.map(() => '---')), ...rows.map(row)].join('\n');

function find(runs: Run[], where: Partial<Run>): Run | undefined {
  return runs.find((r) =>
    Object.entries(where).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v),
  );
}

function hitRatio(cache: Record<string, { hit: number; miss: number }> | undefined, name: string) {
  const c = cache?.[name];
  if (!c || c.hit + c.miss === 0) return 'n/a';
  return `${((c.hit / (c.hit + c.miss)) * 100).toFixed(2)}% (${c.hit} hits, ${c.miss} misses)`;
}

const verdict = (met: boolean) => (met ? '**MET**' : '**NOT MET**');

/** The markdown tables of a run, targets evaluated. */
export function renderReport(report: Report): string {
  const { runs, soak } = report;
  const out: string[] = [];
  const bare = (scenario: string) =>
    find(runs, { group: 'ceiling', scenario, connections: 50 })?.rps ?? NaN;

  out.push('### Endpoints, every production feature on (50 connections)\n');
  out.push(
    table(
      [
        'scenario',
        'database',
        'req/s',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        '429',
        'RSS after (MiB)',
        'vs bare Fastify',
      ],
      runs
        .filter((r) => (r.group === 'endpoints' || r.group === 'ceiling') && r.connections === 50)
        .map((r) => [
          r.scenario,
          r.db,
          r.rps,
          ms(r.p50Ms),
          ms(r.p99Ms),
          r.non2xx + r.socketErrors,
          r.rateLimited,
          r.rssMiB,
          r.group === 'ceiling' || !(r.scenario === GET || r.scenario === LIST)
            ? '—'
            : pct(r.rps / bare(r.scenario)),
        ]),
    ),
  );

  out.push('\n### p99 latency (ms) and throughput as concurrency grows\n');
  const sweeps = new Map<string, Run[]>();
  for (const r of runs.filter(
    (r) => r.group !== 'features' && (r.scenario === GET || r.scenario === LIST),
  )) {
    const key = `${r.scenario} · ${r.db}${r.group === 'ceiling' ? ' (bare Fastify)' : ''}`;
    sweeps.set(key, [...(sweeps.get(key) ?? []), r]);
  }
  out.push(
    table(
      ['scenario · data', 'p99 @10', 'p99 @50', 'p99 @200', 'req/s @10', 'req/s @50', 'req/s @200'],
      [...sweeps].map(([key, rs]) => {
        const at = (c: number) => rs.find((r) => r.connections === c);
        return [
          key,
          ...[10, 50, 200].map((c) => (at(c) ? ms(at(c)!.p99Ms) : '—')),
          ...[10, 50, 200].map((c) => at(c)?.rps ?? '—'),
        ];
      }),
    ),
  );

  out.push('\n### Cost of each production feature (SQLite, 50 connections)\n');
  out.push(
    'Throughput of the all-on server divided by the throughput with the feature switched off (or, for tracing, on): 100% means free.\n',
  );
  const allOn = (scenario: string) =>
    runs.filter(
      (r) => r.group === 'features' && r.scenario === scenario && r.features.startsWith('all on'),
    );
  const endpointAllOn = (scenario: string) =>
    find(runs, { group: 'endpoints', scenario, db: 'SQLite 10k', connections: 50 });
  out.push(
    table(
      [
        'variant',
        'scenario',
        'req/s',
        'p50 ms',
        'p99 ms',
        'non-2xx',
        'all-on req/s ÷ variant req/s',
      ],
      runs
        .filter((r) => r.group === 'features')
        .map((r) => {
          const reference = [endpointAllOn(r.scenario), ...allOn(r.scenario)].filter(
            Boolean,
          ) as Run[];
          const mean = reference.reduce((s, x) => s + x.rps, 0) / reference.length;
          return [
            r.features,
            r.scenario,
            r.rps,
            ms(r.p50Ms),
            ms(r.p99Ms),
            r.non2xx + r.socketErrors,
            r.features.startsWith('all on') ? '—' : pct(mean / r.rps),
          ];
        }),
    ),
  );

  const rss = soak.samples.map((s) => s.rssMiB);
  const start = rss[0]!;
  const [min, max, end] = [Math.min(...rss), Math.max(...rss), rss[rss.length - 1]!];
  const flat = max <= start * 1.1 && min >= start * 0.9;
  const trend = rssTrend(soak.samples);
  out.push(
    `\n### Soak (${report.settings.soakSeconds} s, mixed 70% GET one / 20% list / 10% create, PostgreSQL + Redis, 50 connections)\n`,
  );
  out.push(
    table(
      ['req/s', 'p50 ms', 'p99 ms', 'non-2xx', '429', 'RSS start', 'RSS min', 'RSS max', 'RSS end'],
      [
        [
          soak.result.rps,
          ms(soak.result.p50Ms),
          ms(soak.result.p99Ms),
          soak.result.non2xx + soak.result.socketErrors,
          soak.result.rateLimited,
          start,
          min,
          max,
          end,
        ],
      ],
    ),
  );
  out.push(
    `\nRSS trend (least-squares line over the ${soak.samples.length} samples): ${trend.mibPer10Min.toFixed(1)} MiB per 10 min, ± ${(2 * trend.standardErrorPer10Min).toFixed(1)} (two standard errors): ${trend.withinNoise ? 'no trend beyond the noise' : '**a trend beyond the noise**'}.\n`,
  );
  out.push(
    `\nRSS samples (s: MiB): ${soak.samples.map((s) => `${s.t}: ${s.rssMiB}`).join(', ')}\n`,
  );
  out.push('\n### Cache hit ratio (steadfast_cache_requests_total)\n');
  out.push(
    `- soak: order ${hitRatio(soak.cache, 'order')}; api_key ${hitRatio(soak.cache, 'api_key')}`,
  );
  for (const r of runs.filter(
    (r) => r.group === 'endpoints' && r.scenario === 'POST /v1/payments (sandbox)',
  ))
    out.push(
      `- ${r.db} all-on server after every endpoint run: order ${hitRatio(r.cache, 'order')}; api_key ${hitRatio(r.cache, 'api_key')}`,
    );

  out.push('\n### Targets (issue 6)\n');
  const lines: string[] = [];
  for (const db of ['SQLite 10k', 'PostgreSQL 10k']) {
    const get = find(runs, { group: 'endpoints', scenario: GET, db, connections: 50 });
    const list = find(runs, { group: 'endpoints', scenario: LIST, db, connections: 50 });
    if (get)
      lines.push(
        `- cached GET /v1/orders/{id}, all on, ≥ 50% of bare Fastify (${db}): ${pct(get.rps / bare(GET))} → ${verdict(get.rps / bare(GET) >= 0.5)}`,
      );
    if (list)
      lines.push(
        `- list of 20 with items ≥ 25% of bare Fastify (${db}): ${pct(list.rps / bare(LIST))} → ${verdict(list.rps / bare(LIST) >= 0.25)}`,
      );
  }
  for (const r of runs.filter(
    (r) =>
      r.group !== 'ceiling' &&
      r.group !== 'features' &&
      r.group !== 'peers' &&
      r.connections === 50 &&
      (r.scenario === GET || r.scenario === LIST),
  ))
    lines.push(
      `- p99 < 25 ms at 50 connections, ${r.scenario} (${r.db}): ${ms(r.p99Ms)} ms → ${verdict(r.p99Ms < 25)}`,
    );
  lines.push(
    `- memory flat ±10% over the soak: start ${start}, min ${min}, max ${max}, end ${end} MiB → ${verdict(flat)}`,
  );
  const failing = [
    ...runs,
    { ...soak.result, scenario: 'soak', db: '', features: '' } as Run,
  ].filter((r) => r.non2xx + r.rateLimited + r.socketErrors > 0);
  lines.push(
    `- zero non-2xx/429 in every scenario: ${failing.length === 0 ? 'none in any run' : failing.map((r) => `${r.scenario} ${r.db} ${r.features} c=${r.connections}: ${JSON.stringify(r.statuses)} (+${r.socketErrors} socket errors)`).join('; ')} → ${verdict(failing.length === 0)}`,
  );
  out.push(lines.join('\n'));
  if (report.comparison)
    out.push(`\n${renderComparison(report.comparison.summary, report.comparison.pinning)}`);
  if (report.notes.length) out.push(`\nNotes: ${report.notes.join(' ')}`);
  out.push(`\nMachine: ${JSON.stringify(report.machine)}`);
  out.push(`Datasets: ${JSON.stringify(report.datasets)}\n`);
  return out.join('\n');
}

/**
 * The soak's RSS trend: the least-squares slope of RSS over time, in MiB per 10 minutes, and its
 * standard error. "Within noise" when the slope is less than two standard errors from zero (or
 * under 1 MiB per 10 minutes): samples that only wander with the GC cycles give such a slope.
 */
export function rssTrend(samples: { t: number; rssMiB: number }[]): Trend {
  return trendOf(samples.map((s) => ({ t: s.t, value: s.rssMiB })));
}

/** A least-squares slope in MiB per 10 minutes, its standard error, and whether it is noise. */
export interface Trend {
  mibPer10Min: number;
  standardErrorPer10Min: number;
  withinNoise: boolean;
}

/** rssTrend's fit for any series of MiB readings over seconds (heap, external, RSS by kind). */
export function trendOf(readings: { t: number; value: number }[]): Trend {
  const n = readings.length;
  if (n < 3) return { mibPer10Min: NaN, standardErrorPer10Min: NaN, withinNoise: false };
  const meanT = readings.reduce((a, r) => a + r.t, 0) / n;
  const meanV = readings.reduce((a, r) => a + r.value, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (const r of readings) {
    sxx += (r.t - meanT) ** 2;
    sxy += (r.t - meanT) * (r.value - meanV);
  }
  const slope = sxy / sxx;
  const residuals = readings.reduce(
    (a, r) => a + (r.value - (meanV + slope * (r.t - meanT))) ** 2,
    0,
  );
  const standardError = Math.sqrt(residuals / (n - 2) / sxx);
  const per10Min = 600;
  return {
    mibPer10Min: slope * per10Min,
    standardErrorPer10Min: standardError * per10Min,
    withinNoise: Math.abs(slope) < 2 * standardError || Math.abs(slope * per10Min) < 1,
  };
}
