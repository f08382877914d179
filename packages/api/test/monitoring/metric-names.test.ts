import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startMetricsServer,
  type MetricsServer,
} from '../../src/platform/observability/metrics-server.js';
import {
  newOrder,
  pay,
  refund,
  startPaymentWorld,
  type PaymentWorld,
} from '../payments/support.js';
import { call } from '../support/http.js';
import { httpRequest } from '../support/process.js';
import {
  dashboardQueries,
  parseRules,
  readDashboardText,
  readRuleTexts,
  runbookQueries,
} from './monitoring-files.js';
import {
  groupingsIn,
  metricNamesIn,
  missingMetrics,
  parseExposition,
  selectorsIn,
  unknownLabels,
  type Exposition,
} from './promql-names.js';

const ruleQueries = (texts: string[]) => texts.flatMap(parseRules).map((rule) => rule.expr);
const recordedNames = (texts: string[]) =>
  new Set(texts.flatMap(parseRules).flatMap((rule) => (rule.record ? [rule.record] : [])));

describe('reading metric names out of PromQL', () => {
  it.each([
    {
      query:
        'sum by (job, le) (rate(http_server_request_duration_seconds_bucket{le="0.25", job=~"$job"}[5m]))',
      names: ['http_server_request_duration_seconds_bucket'],
    },
    {
      query:
        'sum by (job, policy) (rate(a_total[5m])) / on (job) group_left sum by (job) (rate(b_count[$__rate_interval])) > 0.1',
      names: ['a_total', 'b_count'],
    },
    {
      query: 'up{job="steadfast"} == 0 or absent(up{job="steadfast"})',
      names: ['up'],
    },
    {
      query: 'histogram_quantile(0.99, sum(rate(x_bucket[1m] offset 1h)) by (le)) > 1e3 * 14.4',
      names: ['x_bucket'],
    },
    { query: 'label_values(steadfast_ready{job=~"$job"}, instance)', names: ['steadfast_ready'] },
    { query: 'label_values(job)', names: [] },
    {
      query: 'job:steadfast_http_requests:rate5m / 0.001',
      names: ['job:steadfast_http_requests:rate5m'],
    },
    { query: 'count(up{job=~"$job"} == 0) or vector(0)', names: ['up'] },
    // Text inside matcher values is not a metric, even when it looks like one.
    { query: 'ALERTS{alertname=~"Steadfast.*", alertstate="firing"}', names: ['ALERTS'] },
  ])('$query', ({ query, names }) => {
    expect(metricNamesIn(query).sort()).toEqual(names.sort());
  });

  it('reads the labels of by-clauses, for the metrics they aggregate', () => {
    expect(
      groupingsIn(
        'histogram_quantile(0.99, sum by (le, route) (rate(x_bucket{a="("}[5m]))) / sum by (job) (y)',
      ),
    ).toEqual([
      { metric: 'x_bucket', labels: ['le', 'route'] },
      { metric: 'y', labels: ['job'] },
    ]);
  });

  it('reads the label names of each selector', () => {
    expect(selectorsIn('rate(a{code="x", status=~"5.."}[5m]) / b{le="0.25"} + c')).toEqual([
      { metric: 'a', labels: ['code', 'status'] },
      { metric: 'b', labels: ['le'] },
    ]);
  });
});

describe('every metric monitoring reads is one the API exposes', () => {
  let world: PaymentWorld;
  let metricsServer: MetricsServer;
  let exposition: Exposition;
  let contentType: string | undefined;

  beforeAll(async () => {
    // A low auth-failure quota, so a few bad keys also produce a 429 from the auth_failures policy.
    world = await startPaymentWorld('sqlite', { RATE_LIMIT_AUTH_FAILURE_QUOTA: '2' });
    metricsServer = await startMetricsServer(world.t.app.metrics.registry, {
      host: '127.0.0.1',
      port: 0,
    });
    // A little of everything the dashboard shows: successes, a payment through the sandbox
    // processor, a validation error, an unknown route, failed authentication up to a 429.
    const { app } = world.t;
    const order = await newOrder(world);
    // flaky_1: the first attempt gets a 503, so a retry is counted too; then a refund.
    const payment = await pay(world, { order_id: order.id, payment_method: 'pm_card_flaky_1' });
    expect(payment.statusCode, payment.body).toBe(201);
    const refunded = await refund(world, payment.json<{ id: string }>().id);
    expect(refunded.statusCode, refunded.body).toBe(201);
    expect((await call(app, 'GET', '/v1/users', { tenant: world.tenant })).statusCode).toBe(200);
    expect((await call(app, 'GET', '/nowhere')).statusCode).toBe(404);
    const invalid = await call(app, 'POST', '/v1/users', {
      tenant: world.tenant,
      body: { email: 'a@example.com', nickname: 'x' },
    });
    expect(invalid.statusCode).toBe(400);
    // The second create with one email is refused by the unique index: a failed query, so the
    // database histogram carries its error_type label.
    for (const expected of [201, 409]) {
      const created = await call(app, 'POST', '/v1/users', {
        tenant: world.tenant,
        body: { email: 'twice@example.com' },
      });
      expect(created.statusCode, created.body).toBe(expected);
    }
    const bad = { authorization: `Bearer sk_test_${'0'.repeat(60)}` };
    const refusals = [];
    for (let i = 0; i < 4; i += 1) {
      refusals.push((await call(app, 'GET', '/v1/users', { headers: bad })).statusCode);
    }
    expect(refusals).toContain(429);

    const response = await httpRequest(metricsServer.url);
    expect(response.status).toBe(200);
    contentType = response.headers['content-type'];
    exposition = parseExposition(response.body);
  });

  afterAll(async () => {
    await metricsServer?.close();
    await world?.close();
  });

  it('serves the Prometheus text format on the metrics listener', () => {
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(exposition.families.get('http_server_request_duration_seconds')?.type).toBe('histogram');
    expect(exposition.families.get('steadfast_problems_total')?.type).toBe('counter');
  });

  it('exposes every metric the recording rules and alerts read', () => {
    const texts = readRuleTexts();
    const queries = ruleQueries(texts);
    // Not vacuous: the rules do read the metrics this test is about.
    const read = new Set(queries.flatMap(metricNamesIn));
    expect(read).toContain('steadfast_processor_breaker_state');
    expect(read).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(missingMetrics(queries, exposition, recordedNames(texts))).toEqual([]);
  });

  it('exposes every metric the dashboard reads, and every recording rule it reads exists', () => {
    const queries = dashboardQueries(JSON.parse(readDashboardText()));
    expect(queries.length).toBeGreaterThan(40);
    expect(missingMetrics(queries, exposition, recordedNames(readRuleTexts()))).toEqual([]);
  });

  it('exposes every metric the runbook queries read', () => {
    const queries = runbookQueries();
    expect(queries.length).toBeGreaterThan(5);
    expect(missingMetrics(queries, exposition, recordedNames(readRuleTexts()))).toEqual([]);
  });

  it('matches only on labels the series carry', () => {
    const queries = [
      ...ruleQueries(readRuleTexts()),
      ...dashboardQueries(JSON.parse(readDashboardText())),
      ...runbookQueries(),
    ];
    const { unknown, checked, unchecked } = unknownLabels(queries, exposition);
    expect(unknown).toEqual([]);
    expect(checked).toBeGreaterThan(50);
    // Families with no sample after the traffic above cannot have their labels checked; keep
    // that list short and known rather than let it grow unnoticed.
    // (The pool gauges are PostgreSQL-only; this app runs on SQLite.)
    expect(unchecked).toEqual([
      'db_client_connection_count',
      'db_client_connection_pending_requests',
    ]);
  });

  describe('fails when a name changes on one side only', () => {
    it('a metric renamed in the alerts', () => {
      const texts = readRuleTexts().map((text) =>
        text
          .replaceAll('steadfast_processor_breaker_state', 'steadfast_processor_breaker_status')
          .replaceAll('http_server_request_duration_seconds', 'http_request_duration_seconds'),
      );
      expect(missingMetrics(ruleQueries(texts), exposition, recordedNames(texts))).toEqual([
        'http_request_duration_seconds_bucket',
        'http_request_duration_seconds_count',
        'steadfast_processor_breaker_status',
      ]);
    });

    it('a metric renamed in the dashboard', () => {
      const doctored = readDashboardText().replaceAll(
        'steadfast_rate_limit_rejections_total',
        'steadfast_rate_limited_total',
      );
      const queries = dashboardQueries(JSON.parse(doctored));
      expect(missingMetrics(queries, exposition, recordedNames(readRuleTexts()))).toEqual([
        'steadfast_rate_limited_total',
      ]);
    });

    it('a recording rule renamed while the dashboard still reads the old name', () => {
      const texts = readRuleTexts().map((text) =>
        text.replaceAll('errors:ratio_rate1h', 'errors:ratio_1h'),
      );
      const queries = dashboardQueries(JSON.parse(readDashboardText()));
      expect(missingMetrics(queries, exposition, recordedNames(texts))).toEqual([
        'job:steadfast_http_request_errors:ratio_rate1h',
      ]);
    });

    it('a label renamed in a matcher', () => {
      const queries = ruleQueries(readRuleTexts()).map((query) =>
        query.replaceAll('http_response_status_code=', 'http_status_code='),
      );
      expect(unknownLabels(queries, exposition).unknown).toEqual([
        'http_server_request_duration_seconds_count: http_status_code',
      ]);
    });

    it('a label renamed in a by-clause of the dashboard', () => {
      const doctored = readDashboardText().replaceAll('sum by (policy)', 'sum by (rule)');
      const queries = dashboardQueries(JSON.parse(doctored));
      expect(unknownLabels(queries, exposition).unknown).toEqual([
        'steadfast_rate_limit_rejections_total: rule',
      ]);
    });

    it('a metric the code no longer exposes', () => {
      const without = parseExposition(
        [...exposition.families]
          .filter(([name]) => name !== 'steadfast_ready')
          .map(([name, family]) => `# TYPE ${name} ${family.type}`)
          .join('\n'),
      );
      const texts = readRuleTexts();
      expect(missingMetrics(ruleQueries(texts), without, recordedNames(texts))).toEqual([
        'steadfast_ready',
      ]);
    });
  });
});
