import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKey,
  freePort,
  httpRequest,
  spawnServer,
  tempDatabase,
  type HttpResult,
  type Server,
} from '../support/process.js';
import {
  RULE_FILES,
  announceSkip,
  dashboardQueries,
  findExecutable,
  readDashboardText,
  readRules,
  runbookQueries,
} from './monitoring-files.js';
import { startPrometheus, type Prometheus, type Sample } from './prometheus-server.js';

const PROMETHEUS = findExecutable('prometheus');
if (!PROMETHEUS) announceSkip('Prometheus integration suite', 'prometheus');

interface RulesResponse {
  data: {
    groups: {
      name: string;
      file: string;
      rules: { name: string; type: 'recording' | 'alerting'; health: string; lastError?: string }[];
    }[];
  };
}
interface AlertsResponse {
  data: { alerts: { labels: Record<string, string>; state: 'pending' | 'firing' }[] };
}
interface TargetsResponse {
  data: { activeTargets: { scrapeUrl: string; health: string; labels: Record<string, string> }[] };
}

/** `{ "a b": value }` for samples keyed by the given labels, to compare whole results at once. */
const byLabels = (samples: Sample[], ...labels: string[]) =>
  Object.fromEntries(
    samples.map((s) => [labels.map((label) => s.metric[label] ?? '').join(' '), s.value]),
  );

/** What Grafana would substitute into the dashboard's queries for one job, all instances. */
const asGrafanaWould = (query: string) =>
  query
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$job', 'steadfast')
    .replaceAll('$instance', '.*');

describe.skipIf(!PROMETHEUS)('a real Prometheus scraping the API', { timeout: 60_000 }, () => {
  let server: Server | undefined;
  let prometheus: Prometheus | undefined;
  let removeDb: (() => void) | undefined;
  let target = '';

  /** One JSON request to the API, answered with the status the caller expects. */
  async function send(
    expected: number,
    method: string,
    path: string,
    options: { key?: string; body?: unknown; idempotencyKey?: string } = {},
  ): Promise<HttpResult> {
    const headers: Record<string, string> = {};
    if (options.key) headers.authorization = `Bearer ${options.key}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
    const body = options.body === undefined ? undefined : JSON.stringify(options.body);
    const response = await httpRequest(`${server!.baseUrl}${path}`, { method, headers, body });
    expect(response.status, `${method} ${path}: ${response.body}`).toBe(expected);
    return response;
  }

  /** The errors the suite drives; run twice, so counters increase between scrapes. */
  async function driveErrors(key: string, round: number) {
    await send(404, 'GET', '/nowhere');
    await send(404, 'GET', `/nowhere/${round}`);
    await send(401, 'GET', '/v1/users');
    await send(400, 'POST', '/v1/users', { key, body: { email: `v${round}@example.com`, x: 1 } });
    // The same Idempotency-Key with another body: 422 idempotency_key_reused.
    const idempotencyKey = `reuse-${round}`;
    await send(201, 'POST', '/v1/users', {
      key,
      idempotencyKey,
      body: { email: `first${round}@example.com` },
    });
    await send(422, 'POST', '/v1/users', {
      key,
      idempotencyKey,
      body: { email: `second${round}@example.com` },
    });
    await send(200, 'GET', '/v1/users', { key });
  }

  beforeAll(async () => {
    const db = tempDatabase();
    removeDb = db.remove;
    const key = await createKey(db.url, 'prometheus-test');
    const metricsPort = await freePort();
    target = `127.0.0.1:${metricsPort}`;
    server = await spawnServer({
      DATABASE_URL: db.url,
      METRICS_PORT: String(metricsPort),
      // One failed processor attempt opens the breaker, and it stays open (and nothing reconciles)
      // for the whole suite, so the breaker and reconciliation series hold still.
      PROCESSOR_BREAKER_THRESHOLD: '1',
      PROCESSOR_BREAKER_HALF_OPEN_MS: '600000',
      RECONCILE_INTERVAL_MS: '3600000',
      // Two cores shared by parallel suites stall event loops (imports, tsx compiling at start):
      // this suite drives exact status codes, so load shedding must not answer 503 instead.
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '30000',
    });
    prometheus = await startPrometheus({
      binary: PROMETHEUS!,
      job: 'steadfast',
      target,
      ruleFiles: RULE_FILES,
      interval: '1s',
    });
    const p = prometheus;

    await driveErrors(key, 1);
    // A payment the processor answers with 500: the breaker opens and the outcome is unknown
    // (202 requires_reconciliation). Later payments are refused at once: 503s.
    const user = await send(201, 'POST', '/v1/users', {
      key,
      body: { email: 'payer@example.com' },
    });
    const order = await send(201, 'POST', '/v1/orders', {
      key,
      body: {
        user_id: (JSON.parse(user.body) as { id: string }).id,
        currency: 'EUR',
        items: [{ name: 'Tea', sku: 'TEA-1', quantity: 2, unit_amount: 500 }],
      },
    });
    const orderId = (JSON.parse(order.body) as { id: string }).id;
    const payment = (idempotencyKey: string, method: string, expected: number) =>
      send(expected, 'POST', '/v1/payments', {
        key,
        idempotencyKey,
        body: { order_id: orderId, payment_method: method, amount: 100 },
      });
    await payment('pay-1', 'pm_card_error', 202);
    await payment('pay-2', 'pm_card_visa', 503);

    // Once Prometheus holds these series (the 503 was the last request), more of the same make
    // their rates non-zero.
    const scraped = (count: number) => async () => {
      const [sample] = await p.query('steadfast_problems_total{code="processor_unavailable"}');
      return sample?.value === count ? true : undefined;
    };
    await p.until('a scrape after the first round', scraped(1));
    await driveErrors(key, 2);
    await payment('pay-3', 'pm_card_visa', 503);
    await p.until('a scrape after the second round', scraped(2));
    // Each rule group runs on its own schedule: wait until both SLO groups have computed their
    // ratios from rates over the new samples (NaN, from a window without two samples, fails the
    // comparison and is filtered out).
    for (const expr of [
      'job:steadfast_http_request_errors:ratio_rate5m{job="steadfast"} > 0',
      'job:steadfast_http_request_slow:ratio_rate5m{job="steadfast"} >= 0',
    ]) {
      await p.until(expr, async () => ((await p.query(expr)).length > 0 ? true : undefined));
    }
  }, 60_000);

  afterAll(async () => {
    await prometheus?.stop();
    await server?.kill();
    removeDb?.();
  });

  it('scrapes the metrics listener of the running API', async () => {
    const { body } = await prometheus!.get<TargetsResponse>('/api/v1/targets');
    expect(body.data.activeTargets).toEqual([
      expect.objectContaining({
        scrapeUrl: `http://${target}/metrics`,
        health: 'up',
        labels: { job: 'steadfast', instance: target },
      }),
    ]);
    expect(await prometheus!.query('up{job="steadfast"}')).toEqual([
      { metric: { __name__: 'up', job: 'steadfast', instance: target }, value: 1 },
    ]);
  });

  it('reads back every error response by problem code and status', async () => {
    const samples = await prometheus!.query(
      'sum by (code, status) (steadfast_problems_total{job="steadfast"})',
    );
    expect(byLabels(samples, 'code', 'status')).toEqual({
      'route_not_found 404': 4,
      'unauthenticated 401': 2,
      'validation_failed 400': 2,
      'idempotency_key_reused 422': 2,
      'processor_unavailable 503': 2,
    });
  });

  it('reads back the request counts per route and status class', async () => {
    const samples = await prometheus!.query(
      'sum by (http_request_method, http_route, class) (label_replace(' +
        'http_server_request_duration_seconds_count{job="steadfast"}, ' +
        '"class", "${1}xx", "http_response_status_code", "(.).."))',
    );
    // An unmatched route has no http_route label, per the semantic conventions.
    expect(byLabels(samples, 'http_request_method', 'http_route', 'class')).toEqual({
      'GET  4xx': 4,
      'GET /v1/users 4xx': 2,
      'GET /v1/users 2xx': 2,
      'POST /v1/users 2xx': 3,
      'POST /v1/users 4xx': 4,
      'POST /v1/orders 2xx': 1,
      'POST /v1/payments 2xx': 1,
      'POST /v1/payments 5xx': 2,
    });
  });

  it('reads back the domain counters and gauges', async () => {
    const p = prometheus!;
    const one = async (expr: string) => (await p.query(expr)).map((s) => s.value);
    expect(await one('steadfast_auth_failures_total{reason="missing_credentials"}')).toEqual([2]);
    expect(await one('steadfast_idempotency_requests_total{outcome="key_reused"}')).toEqual([2]);
    expect(await one('steadfast_payments_total{outcome="requires_reconciliation"}')).toEqual([1]);
    expect(await one('steadfast_processor_breaker_state')).toEqual([2]);
    expect(await one('steadfast_awaiting_reconciliation{kind="payment"}')).toEqual([1]);
    expect(await one('steadfast_awaiting_reconciliation{kind="refund"}')).toEqual([0]);
    expect(await one('steadfast_ready')).toEqual([1]);
    expect(await one('sum(http_server_active_requests)')).toEqual([0]);
    const [lag] = await one('nodejs_eventloop_lag_p99_seconds');
    expect(lag).toBeGreaterThan(0);
  });

  it('loads every recording rule and alert of deploy/prometheus and evaluates them cleanly', async () => {
    const p = prometheus!;
    const expected = readRules()
      .map((rule) => rule.record ?? rule.alert)
      .sort();
    const rules = await p.until('every rule evaluated once', async () => {
      const { body } = await p.get<RulesResponse>('/api/v1/rules');
      const all = body.data.groups.flatMap((group) => group.rules);
      return all.length === expected.length && all.every((rule) => rule.health !== 'unknown')
        ? all
        : undefined;
    });
    expect(rules.map((rule) => rule.name).sort()).toEqual(expected);
    expect(rules.filter((rule) => rule.health !== 'ok' || rule.lastError)).toEqual([]);
  });

  it('computes the SLO ratios from the scraped histogram', async () => {
    const p = prometheus!;
    // The 503s are 5xx among a few dozen requests: how many fall in the rate window depends on
    // scrape timing, so the ratio is bounded rather than exact.
    const [errors] = await p.query('job:steadfast_http_request_errors:ratio_rate5m');
    expect(errors!.metric).toEqual({
      __name__: 'job:steadfast_http_request_errors:ratio_rate5m',
      job: 'steadfast',
    });
    expect(errors!.value).toBeGreaterThan(0);
    expect(errors!.value).toBeLessThan(0.5);
    const [slow] = await p.query('job:steadfast_http_request_slow:ratio_rate5m');
    expect(slow!.value).toBeGreaterThanOrEqual(0);
    expect(slow!.value).toBeLessThanOrEqual(1);
  });

  it('holds the breaker and reconciliation alerts pending on the real series', async () => {
    const p = prometheus!;
    const alerts = await p.until('the breaker alert pending', async () => {
      const { body } = await p.get<AlertsResponse>('/api/v1/alerts');
      const names = body.data.alerts.map((alert) => alert.labels.alertname);
      return names.includes('SteadfastProcessorBreakerOpen') &&
        names.includes('SteadfastAwaitingReconciliation')
        ? body.data.alerts
        : undefined;
    });
    const named = (name: string) => alerts.find((alert) => alert.labels.alertname === name);
    expect(named('SteadfastProcessorBreakerOpen')).toMatchObject({
      labels: { instance: target, severity: 'page' },
      state: 'pending',
    });
    expect(named('SteadfastAwaitingReconciliation')).toMatchObject({
      labels: { kind: 'payment', severity: 'ticket' },
      state: 'pending',
    });
    // Healthy signals raise nothing: the instance is up and ready.
    const names = alerts.map((alert) => alert.labels.alertname);
    expect(names).not.toContain('SteadfastTargetDown');
    expect(names).not.toContain('SteadfastNotReady');
  });

  it('answers every dashboard query, and the panels show data', async () => {
    const p = prometheus!;
    const dashboard = JSON.parse(readDashboardText()) as {
      panels: { title: string; type: string; targets?: { expr: string }[] }[];
    };
    const empty: string[] = [];
    for (const panel of dashboard.panels.filter((candidate) => candidate.targets)) {
      let samples = 0;
      for (const { expr } of panel.targets!) {
        samples += (await p.query(asGrafanaWould(expr))).length;
      }
      if (samples === 0) empty.push(panel.title);
    }
    // Only panels whose series need traffic this suite does not make (refunds, 429s, retries)
    // or PostgreSQL (the pool) may be empty.
    const mayBeEmpty = [
      'Connection pool (PostgreSQL)',
      'Rate-limit rejections (429) by policy',
      'Refund transitions by state entered',
    ];
    expect(empty.filter((title) => !mayBeEmpty.includes(title))).toEqual([]);
    // The template variables resolve too.
    for (const query of dashboardQueries(dashboard).filter((q) => q.startsWith('label_values('))) {
      const selector = /^label_values\((.*),\s*\w+\)$/.exec(query)?.[1];
      expect((await p.query(asGrafanaWould(selector!))).length, query).toBeGreaterThan(0);
    }
  });

  it('parses every query of the runbook', async () => {
    const queries = runbookQueries();
    expect(queries.length).toBeGreaterThan(5);
    for (const query of queries) await prometheus!.query(query);
  });
});
