import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startMetricsServer,
  type MetricsServer,
} from '../../src/platform/observability/metrics-server.js';
import { startSandboxProcessor } from '../../src/processor/sandbox/server.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { seedOrder, seedUser } from '../support/seed.js';
import { FAST_PROCESSOR, newKey } from '../payments/support.js';

/** One sample of the exposition: `name{labels} value`, labels as written by prom-client. */
function sample(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const wanted = Object.entries(labels).every(([key, value]) =>
      line.includes(`${key}="${value}"`),
    );
    if (wanted) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe.each(stores)('metrics (%s)', (store) => {
  let sandbox: Awaited<ReturnType<typeof startSandboxProcessor>>;
  let t: TestApp;
  let tenant: Tenant;
  let server: MetricsServer;
  const scrape = async () => {
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return response.text();
  };

  beforeAll(async () => {
    sandbox = await startSandboxProcessor({});
    t = await startApp(store, {
      PAYMENT_PROCESSOR_URL: sandbox.url,
      ...FAST_PROCESSOR,
      RATE_LIMIT_API_KEY_QUOTA: '1000',
      RATE_LIMIT_WRITE_QUOTA: '1000',
    });
    tenant = await createTestTenant(t);
    server = await startMetricsServer(t.app.metrics.registry, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await server.close();
    await t.close();
    await sandbox.close();
  });

  it('RED per route pattern, never the raw path', async () => {
    const userId = await seedUser(t, tenant);
    const found = await call(t.app, 'GET', `/v1/users/${userId}`, { tenant });
    expect(found.statusCode).toBe(200);
    const text = await scrape();
    expect(
      sample(text, 'http_server_request_duration_seconds_count', {
        http_request_method: 'GET',
        http_route: '/v1/users/:id',
        http_response_status_code: '200',
        url_scheme: 'http',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(userId);
    expect(text).not.toContain(tenant.accountId);
    expect(
      sample(text, 'http_server_active_requests', {
        http_request_method: 'GET',
        url_scheme: 'http',
      }),
    ).toBe(0);
  });

  it('errors by problem code, auth failures by reason', async () => {
    expectProblem(await call(t.app, 'GET', '/v1/no-such-thing'), 404, 'route_not_found');
    expectProblem(await call(t.app, 'GET', '/v1/users'), 401, 'unauthenticated');
    expectProblem(
      await call(t.app, 'GET', '/v1/users', {
        headers: { authorization: `Bearer sk_test_${'0'.repeat(60)}` },
      }),
      401,
      'unauthenticated',
    );
    expectProblem(
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: 'not-an-email' } }),
      400,
      'validation_failed',
    );
    const text = await scrape();
    expect(
      sample(text, 'steadfast_problems_total', { code: 'route_not_found', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'steadfast_problems_total', { code: 'unauthenticated', status: '401' }),
    ).toBeGreaterThanOrEqual(2);
    expect(
      sample(text, 'steadfast_problems_total', { code: 'validation_failed', status: '400' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'steadfast_auth_failures_total', { reason: 'missing_credentials' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'steadfast_auth_failures_total', { reason: 'invalid_credentials' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'http_server_request_duration_seconds_count', {
        http_request_method: 'GET',
        http_response_status_code: '404',
        url_scheme: 'http',
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it('idempotency replays and conflicts, payments by outcome, processor attempts', async () => {
    const userId = await seedUser(t, tenant);
    const order = await seedOrder(t, tenant, userId);
    const key = newKey();
    const body = { order_id: order.id, payment_method: 'pm_card_visa' };
    const headers = { 'idempotency-key': key };
    const first = await call(t.app, 'POST', '/v1/payments', { tenant, body, headers });
    expect(first.statusCode, first.body).toBe(201);
    const replay = await call(t.app, 'POST', '/v1/payments', { tenant, body, headers });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    const reused = await call(t.app, 'POST', '/v1/payments', {
      tenant,
      body: { ...body, amount: 1 },
      headers,
    });
    expectProblem(reused, 422, 'idempotency_key_reused');

    const text = await scrape();
    expect(
      sample(text, 'steadfast_idempotency_requests_total', { outcome: 'executed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'steadfast_idempotency_requests_total', { outcome: 'replayed' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'steadfast_idempotency_requests_total', { outcome: 'key_reused' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'steadfast_payments_total', { outcome: 'processing' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'steadfast_payments_total', { outcome: 'succeeded' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(text, 'steadfast_processor_request_duration_seconds_count', {
        operation: 'charge',
        outcome: 'success',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'steadfast_processor_breaker_state')).toBe(0);
    expect(
      sample(text, 'steadfast_awaiting_reconciliation', { kind: 'payment' }),
    ).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'steadfast_ready')).toBe(1);
    expect(
      sample(text, 'db_client_operation_duration_seconds_count', {
        db_system_name: store === 'postgres' ? 'postgresql' : 'sqlite',
        db_operation_name: 'INSERT',
      }),
    ).toBeGreaterThanOrEqual(1);
    if (store === 'postgres') {
      expect(
        (sample(text, 'db_client_connection_count', {
          db_client_connection_state: 'idle',
          db_client_connection_pool_name: 'steadfast',
        }) ?? 0) +
          (sample(text, 'db_client_connection_count', {
            db_client_connection_state: 'used',
            db_client_connection_pool_name: 'steadfast',
          }) ?? 0),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(text, 'db_client_connection_pending_requests', {
          db_client_connection_pool_name: 'steadfast',
        }),
      ).toBeGreaterThanOrEqual(0);
      expect(text).not.toMatch(/db_client_connection_count\{[^}]*state="total"/);
    } else {
      expect(text).not.toContain('db_client_connection_count{');
    }
    // Default process metrics: the saturation signals alerts use.
    expect(text).toContain('nodejs_eventloop_lag_p99_seconds');
    expect(text).toContain('process_resident_memory_bytes');

    const transitions = t.logs.filter(
      (line) =>
        line.event === 'payment.transitioned' && line.id === first.json<{ id: string }>().id,
    );
    expect(transitions).toEqual([
      expect.objectContaining({ from: null, to: 'processing', via: 'request', kind: 'payment' }),
      expect.objectContaining({ from: 'processing', to: 'succeeded', via: 'request' }),
    ]);
  });

  it('readiness turns to 0 while draining', async () => {
    t.app.lifecycle.draining = true;
    try {
      expect(sample(await scrape(), 'steadfast_ready')).toBe(0);
    } finally {
      t.app.lifecycle.draining = false;
    }
  });

  it('the API port does not serve metrics; the listener serves nothing else', async () => {
    expectProblem(await call(t.app, 'GET', '/metrics'), 404, 'route_not_found');
    const other = await fetch(server.url.replace('/metrics', '/'));
    expect(other.status).toBe(404);
    await other.text();
    const post = await fetch(server.url, { method: 'POST' });
    expect(post.status).toBe(404);
    await post.text();
  });
});

describe('rate-limit rejections', () => {
  let t: TestApp;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startApp('sqlite', {
      RATE_LIMIT_API_KEY_QUOTA: '3',
      RATE_LIMIT_API_KEY_WINDOW_SECONDS: '60',
    });
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('are counted by policy', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1)
      statuses.push((await call(t.app, 'GET', '/v1/users', { tenant })).statusCode);
    expect(statuses).toContain(429);
    const text = await t.app.metrics.registry.metrics();
    expect(sample(text, 'steadfast_rate_limit_rejections_total', { policy: 'api_key' })).toBe(
      statuses.filter((s) => s === 429).length,
    );
    expect(sample(text, 'steadfast_problems_total', { code: 'rate_limited', status: '429' })).toBe(
      statuses.filter((s) => s === 429).length,
    );
  });
});

describe('METRICS_ENABLED=false', () => {
  it('registers no HTTP metrics and no default collectors', async () => {
    const t = await startApp('sqlite', { METRICS_ENABLED: 'false' });
    try {
      await call(t.app, 'GET', '/livez');
      const text = await t.app.metrics.registry.metrics();
      expect(text).not.toContain('http_server_request_duration_seconds_count');
      expect(text).not.toContain('process_resident_memory_bytes');
    } finally {
      await t.close();
    }
  });
});
