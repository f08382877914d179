/**
 * Reads which metrics and labels PromQL queries (alert rules, Grafana panels) depend on, and checks
 * them against a Prometheus text exposition, so a renamed metric or label fails a test instead of
 * silently emptying a panel or muting an alert.
 */

/** Words of PromQL that look like metric names: aggregations, operators, modifiers, literals. */
const NOT_METRICS = new Set([
  'sum',
  'min',
  'max',
  'avg',
  'group',
  'stddev',
  'stdvar',
  'count',
  'count_values',
  'bottomk',
  'topk',
  'quantile',
  'and',
  'or',
  'unless',
  'atan2',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'bool',
  'inf',
  'nan',
]);

/** Series Prometheus makes itself, never found in an application's exposition. */
export const PROMETHEUS_SERIES = new Set([
  'up',
  'ALERTS',
  'ALERTS_FOR_STATE',
  'scrape_duration_seconds',
  'scrape_samples_scraped',
  'scrape_samples_post_metric_relabeling',
  'scrape_series_added',
]);

const STRING = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;
const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';

/** Grafana's `label_values(selector, label)` reads the selector; `label_values(label)` nothing. */
function withoutLabelValues(query: string): string {
  return query
    .replace(/label_values\(\s*(.*?)\s*,\s*[a-zA-Z_]\w*\s*\)/g, '$1')
    .replace(/label_values\(\s*[a-zA-Z_]\w*\s*\)/g, ' ');
}

/** The metric names a PromQL expression or Grafana query reads (functions and labels excluded). */
export function metricNamesIn(query: string): string[] {
  const text = withoutLabelValues(query)
    .replace(STRING, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\boffset\s+-?[\w$]+/g, ' ')
    .replace(/\$\{[^}]*\}|\$\w+/g, ' ');
  const names = new Set<string>();
  // Not preceded by a digit, dot or letter (so 1e3 and 0.25 are numbers), not followed by "(" (a
  // function call).
  for (const [name] of text.matchAll(new RegExp(`(?<![\\w:.$])${NAME}(?![\\w:]|\\s*\\()`, 'g'))) {
    if (!NOT_METRICS.has(name.toLowerCase())) names.add(name);
  }
  return [...names];
}

export interface Selector {
  metric: string;
  labels: string[];
}

/** Each `metric{label="…", …}` selector of a query with the label names its matchers use. */
export function selectorsIn(query: string): Selector[] {
  const selectors: Selector[] = [];
  const pattern = new RegExp(`(${NAME})\\s*\\{((?:[^}"]|"(?:[^"\\\\]|\\\\.)*")*)\\}`, 'g');
  for (const [, metric, matchers] of withoutLabelValues(query).matchAll(pattern)) {
    const labels = [
      ...matchers!.replace(STRING, '""').matchAll(/([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g),
    ];
    selectors.push({ metric: metric!, labels: labels.map(([, label]) => label!) });
  }
  return selectors;
}

/** The text of the parenthesised group opening at `open` (which must be "("), or undefined. */
function parenthesised(text: string, open: number): string | undefined {
  let depth = 0;
  for (let i = open; i < text.length; i += 1) {
    if (text[i] === '(') depth += 1;
    else if (text[i] === ')' && (depth -= 1) === 0) return text.slice(open + 1, i);
  }
  return undefined;
}

/**
 * For each `aggregation by (labels) (argument)`, the labels it groups by, attributed to every
 * metric of its argument: `sum by (policy) (rate(x[5m]))` needs `policy` on x's series, or the
 * panel shows one unlabelled line.
 */
export function groupingsIn(query: string): Selector[] {
  const text = withoutLabelValues(query).replace(STRING, '""');
  const groupings: Selector[] = [];
  for (const match of text.matchAll(/\bby\s*\(([^)]*)\)\s*\(/g)) {
    const argument = parenthesised(text, match.index + match[0].length - 1);
    if (argument === undefined) continue;
    const labels = match[1]!
      .split(',')
      .map((label) => label.trim())
      .filter(Boolean);
    for (const metric of metricNamesIn(argument)) groupings.push({ metric, labels });
  }
  return groupings;
}

interface Family {
  type: string;
  /** Label names seen on the family's samples (empty when it has no sample yet). */
  labels: Set<string>;
  samples: number;
}

/** A parsed Prometheus text exposition: families by name and every series name it can produce. */
export interface Exposition {
  families: Map<string, Family>;
  /** Family names plus _bucket/_sum/_count for histograms and _sum/_count for summaries. */
  names: Set<string>;
}

const SUFFIXES: Record<string, string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/** Parses `# TYPE` lines (present even for families with no sample yet) and sample lines. */
export function parseExposition(text: string): Exposition {
  const families = new Map<string, Family>();
  const names = new Set<string>();
  const familyOf = (series: string): Family | undefined => {
    const direct = families.get(series);
    if (direct) return direct;
    const suffix = /(_bucket|_sum|_count)$/.exec(series)?.[1];
    return suffix ? families.get(series.slice(0, -suffix.length)) : undefined;
  };
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      const [, name, kind] = type as unknown as [string, string, string];
      families.set(name, { type: kind, labels: new Set(), samples: 0 });
      names.add(name);
      for (const suffix of SUFFIXES[kind] ?? []) names.add(name + suffix);
      continue;
    }
    const sample = new RegExp(`^(${NAME})(?:\\{(.*)\\})? \\S+`).exec(line);
    const family = sample ? familyOf(sample[1]!) : undefined;
    if (!sample || !family) continue;
    family.samples += 1;
    for (const [, label] of (sample[2] ?? '').replace(STRING, '""').matchAll(/(\w+)=""/g)) {
      family.labels.add(label!);
    }
  }
  return { families, names };
}

/** Names the queries read that neither the exposition nor `defined` (recording rules…) provide. */
export function missingMetrics(
  queries: string[],
  exposition: Exposition,
  defined: ReadonlySet<string> = new Set(),
): string[] {
  const missing = new Set<string>();
  for (const query of queries) {
    for (const name of metricNamesIn(query)) {
      if (!exposition.names.has(name) && !defined.has(name) && !PROMETHEUS_SERIES.has(name)) {
        missing.add(name);
      }
    }
  }
  return [...missing].sort();
}

/** Labels Prometheus attaches to every scraped series (target labels). */
const TARGET_LABELS = new Set(['job', 'instance']);

/**
 * `metric: label` for each label a matcher or a `by (…)` clause uses that the metric's samples do
 * not carry. Families with no sample yet cannot be checked and are returned in `unchecked`.
 */
export function unknownLabels(
  queries: string[],
  exposition: Exposition,
): { unknown: string[]; checked: number; unchecked: string[] } {
  const unknown = new Set<string>();
  const unchecked = new Set<string>();
  let checked = 0;
  const uses = queries.flatMap((query) => [...selectorsIn(query), ...groupingsIn(query)]);
  for (const { metric, labels } of uses) {
    const base = metric.replace(/(_bucket|_sum|_count)$/, '');
    const family = exposition.families.get(metric) ?? exposition.families.get(base);
    if (!family) continue;
    if (family.samples === 0) {
      unchecked.add(metric);
      continue;
    }
    for (const label of labels) {
      checked += 1;
      if (!family.labels.has(label) && !TARGET_LABELS.has(label))
        unknown.add(`${metric}: ${label}`);
    }
  }
  return { unknown: [...unknown].sort(), checked, unchecked: [...unchecked].sort() };
}
