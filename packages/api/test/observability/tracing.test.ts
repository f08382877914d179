import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandboxProcessor } from '../../src/processor/sandbox/server.js';
import { ApiError } from '../../src/platform/errors/api-error.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call } from '../support/http.js';
import { seedOrder, seedUser } from '../support/seed.js';
import { FAST_PROCESSOR, newKey } from '../payments/support.js';
import { startRecordingProxy } from './recording-proxy.js';

const CLIENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CLIENT_TRACE}-${CLIENT_SPAN}-01`;

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe.each(stores)('tracing with an in-memory exporter (%s)', (store) => {
  const exporter = new InMemorySpanExporter();
  let sandbox: Awaited<ReturnType<typeof startSandboxProcessor>>;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    sandbox = await startSandboxProcessor({});
    proxy = await startRecordingProxy(sandbox.url);
    t = await startApp(
      store,
      // Patient attempts: one processor span is asserted, and under a loaded machine a 300 ms
      // attempt to the local sandbox can time out and (rightly) be retried.
      {
        PAYMENT_PROCESSOR_URL: proxy.url,
        ...FAST_PROCESSOR,
        PROCESSOR_ATTEMPT_TIMEOUT_MS: '5000',
        PROCESSOR_DEADLINE_MS: '15000',
      },
      (app) => {
        app.get('/v1/test-only/boom', { config: { scope: 'users:read' } }, () => {
          throw new Error('kaboom');
        });
        app.get('/v1/test-only/unavailable', { config: { scope: 'users:read' } }, () => {
          throw new ApiError('service_unavailable', 'down for the test');
        });
      },
      { spanExporter: exporter },
    );
    tenant = await createTestTenant(t);
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
    await sandbox.close();
  });
  beforeEach(() => exporter.reset());

  it('one payment: HTTP server span → DB spans and a processor span, same trace at the processor', async () => {
    const userId = await seedUser(t, tenant);
    const order = await seedOrder(t, tenant, userId);
    exporter.reset();
    proxy.received.length = 0;

    const response = await call(t.app, 'POST', '/v1/payments', {
      tenant,
      body: { order_id: order.id, payment_method: 'pm_card_visa' },
      headers: {
        'idempotency-key': newKey(),
        traceparent: TRACEPARENT,
        tracestate: 'vendor=1',
        baggage: 'user=mallory',
      },
    });
    expect(response.statusCode, response.body).toBe(201);

    const spans = exporter.getFinishedSpans();
    const server = spans.find((span) => span.name === 'POST /v1/payments');
    expect(server, spans.map((s) => s.name).join(', ')).toBeDefined();
    // An untrusted caller's trace is not continued: a new trace, linked to the caller's span.
    const traceId = server!.spanContext().traceId;
    expect(traceId).not.toBe(CLIENT_TRACE);
    expect(parentOf(server!)).toBeUndefined();
    expect(server!.links.map((link) => link.context)).toEqual([
      expect.objectContaining({ traceId: CLIENT_TRACE, spanId: CLIENT_SPAN }),
    ]);
    expect(server!.kind).toBe(1); // SERVER
    expect(server!.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/payments',
      'http.response.status_code': 201,
    });

    const serverId = server!.spanContext().spanId;
    const children = spans.filter((span) => parentOf(span) === serverId);
    const dbSpans = children.filter((span) => span.attributes['db.system.name'] !== undefined);
    const processorSpans = children.filter((span) => span.name === 'processor charge');
    // Authentication, idempotency, the payment row, settlement: all under the request.
    expect(dbSpans.length).toBeGreaterThanOrEqual(4);
    expect(dbSpans.map((span) => span.attributes['db.operation.name'])).toEqual(
      expect.arrayContaining(['SELECT', 'INSERT', 'UPDATE']),
    );
    for (const span of dbSpans) {
      expect(span.attributes['db.query.text']).not.toContain(order.id);
      expect(span.startTime[0] * 1e9 + span.startTime[1]).toBeGreaterThanOrEqual(
        server!.startTime[0] * 1e9 + server!.startTime[1] - 1e6,
      );
    }
    expect(processorSpans).toHaveLength(1);
    expect(processorSpans[0]!.attributes['steadfast.processor.outcome']).toBe('success');
    expect(spans.every((span) => span.spanContext().traceId === traceId)).toBe(true);

    // The processor was called with the processor span as parent, in our trace, and without
    // the stranger's tracestate or baggage.
    const charge = proxy.received.find((r) => r.method === 'POST' && r.url === '/v1/charges');
    expect(charge?.headers.traceparent).toBe(
      `00-${traceId}-${processorSpans[0]!.spanContext().spanId}-01`,
    );
    expect(charge?.headers.tracestate).toBeUndefined();
    expect(charge?.headers.baggage).toBeUndefined();
  });

  it('without a traceparent the request starts a new trace and every log line carries it', async () => {
    const before = t.logs.length;
    const response = await call(t.app, 'GET', '/v1/users?limit=1', { tenant });
    expect(response.statusCode).toBe(200);
    const server = exporter.getFinishedSpans().find((span) => span.name === 'GET /v1/users');
    expect(server).toBeDefined();
    expect(parentOf(server!)).toBeUndefined();
    const traceId = server!.spanContext().traceId;
    const lines = t.logs
      .slice(before)
      .filter((line) => line.request_id === response.headers['x-request-id']);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.trace_id).toBe(traceId);
  });

  it('a 500 quotes the trace id in the problem body and marks the span as an error', async () => {
    const response = await call(t.app, 'GET', '/v1/test-only/boom', {
      tenant,
      headers: { traceparent: TRACEPARENT },
    });
    expect(response.statusCode).toBe(500);
    const body = response.json<Record<string, unknown>>();
    const server = exporter.getFinishedSpans().find((s) => s.name === 'GET /v1/test-only/boom');
    expect(body.trace_id).toBe(server!.spanContext().traceId);
    expect(body.trace_id).not.toBe(CLIENT_TRACE);
    expect(JSON.stringify(body)).not.toContain('kaboom');
    expect(server?.status.code).toBe(2); // ERROR

    const unavailable = await call(t.app, 'GET', '/v1/test-only/unavailable', { tenant });
    expect(unavailable.statusCode).toBe(503);
    expect(unavailable.json<Record<string, unknown>>().trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('a 4xx carries no trace id and leaves the span status unset', async () => {
    const response = await call(t.app, 'GET', '/v1/users/usr_01jdq3z7x8k2m4n6p8r0s2t4v6', {
      tenant,
    });
    expect(response.statusCode).toBe(404);
    expect(response.json<Record<string, unknown>>().trace_id).toBeUndefined();
    const server = exporter.getFinishedSpans().find((s) => s.name === 'GET /v1/users/:id');
    expect(server?.status.code).toBe(0);
  });

  it('a malformed traceparent is ignored, never an error', async () => {
    const response = await call(t.app, 'GET', '/v1/users?limit=1', {
      tenant,
      headers: { traceparent: '00-not-a-trace-01' },
    });
    expect(response.statusCode).toBe(200);
    const server = exporter.getFinishedSpans().find((span) => span.name === 'GET /v1/users');
    expect(parentOf(server!)).toBeUndefined();
  });
});

describe.each(stores)('trusted inbound trace context (%s)', (store) => {
  const exporter = new InMemorySpanExporter();
  let sandbox: Awaited<ReturnType<typeof startSandboxProcessor>>;
  let proxy: Awaited<ReturnType<typeof startRecordingProxy>>;
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    sandbox = await startSandboxProcessor({});
    proxy = await startRecordingProxy(sandbox.url);
    t = await startApp(
      store,
      { PAYMENT_PROCESSOR_URL: proxy.url, TRACE_TRUST_INBOUND: 'true', ...FAST_PROCESSOR },
      undefined,
      { spanExporter: exporter },
    );
    tenant = await createTestTenant(t);
  });
  afterAll(async () => {
    await t.close();
    await proxy.close();
    await sandbox.close();
  });

  it("continues the caller's trace and forwards its tracestate and baggage to the processor", async () => {
    const userId = await seedUser(t, tenant);
    const order = await seedOrder(t, tenant, userId);
    exporter.reset();
    proxy.received.length = 0;
    const response = await call(t.app, 'POST', '/v1/payments', {
      tenant,
      body: { order_id: order.id, payment_method: 'pm_card_visa' },
      headers: {
        'idempotency-key': newKey(),
        traceparent: TRACEPARENT,
        tracestate: 'vendor=1',
        baggage: 'region=eu',
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((span) => span.name === 'POST /v1/payments')!;
    expect(server.spanContext().traceId).toBe(CLIENT_TRACE);
    expect(parentOf(server)).toBe(CLIENT_SPAN);
    expect(server.links).toEqual([]);
    const processorSpan = spans.find((span) => span.name === 'processor charge')!;
    const charge = proxy.received.find((r) => r.method === 'POST' && r.url === '/v1/charges');
    expect(charge?.headers.traceparent).toBe(
      `00-${CLIENT_TRACE}-${processorSpan.spanContext().spanId}-01`,
    );
    expect(charge?.headers.tracestate).toBe('vendor=1');
    expect(charge?.headers.baggage).toBe('region=eu');
  });
});

describe('a trace that is not sampled', () => {
  const exporter = new InMemorySpanExporter();
  let t: TestApp;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startApp(
      'sqlite',
      { OTEL_TRACES_SAMPLER: 'always_off' },
      (app) => {
        app.get('/v1/test-only/boom', { config: { scope: 'users:read' } }, () => {
          throw new Error('kaboom');
        });
      },
      { spanExporter: exporter },
    );
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('exports nothing and quotes no trace id in a 5xx body, though the logs carry it', async () => {
    const before = t.logs.length;
    const response = await call(t.app, 'GET', '/v1/test-only/boom', { tenant });
    expect(response.statusCode).toBe(500);
    expect(response.json<Record<string, unknown>>().trace_id).toBeUndefined();
    expect(exporter.getFinishedSpans()).toEqual([]);
    const lines = t.logs.slice(before).filter((line) => line.request_id !== undefined);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('tracing off (the default)', () => {
  let t: TestApp;
  let trusted: TestApp;
  let tenant: Tenant;
  let trustedTenant: Tenant;
  const boom = (app: TestApp['app']) => {
    app.get('/v1/test-only/boom', { config: { scope: 'users:read' } }, () => {
      throw new Error('kaboom');
    });
  };
  beforeAll(async () => {
    t = await startApp('sqlite', {}, boom);
    trusted = await startApp('sqlite', { TRACE_TRUST_INBOUND: 'true' }, boom);
    tenant = await createTestTenant(t);
    trustedTenant = await createTestTenant(trusted);
  });
  afterAll(async () => {
    await t.close();
    await trusted.close();
  });

  it("creates no tracer and logs a stranger's trace id apart from ours, never in a body", async () => {
    expect(t.app.tracing).toBeUndefined();
    const before = t.logs.length;
    const response = await call(t.app, 'GET', '/v1/test-only/boom', {
      tenant,
      headers: { traceparent: TRACEPARENT },
    });
    expect(response.statusCode).toBe(500);
    expect(response.json<Record<string, unknown>>().trace_id).toBeUndefined();
    const lines = t.logs.slice(before);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line.caller_trace_id).toBe(CLIENT_TRACE);
      expect(line.trace_id).toBeUndefined();
    }
  });

  it("tags the logs with a trusted caller's trace id; the body quotes none (nothing sampled)", async () => {
    const before = trusted.logs.length;
    const response = await call(trusted.app, 'GET', '/v1/test-only/boom', {
      tenant: trustedTenant,
      headers: { traceparent: TRACEPARENT },
    });
    expect(response.statusCode).toBe(500);
    expect(response.json<Record<string, unknown>>().trace_id).toBeUndefined();
    const lines = trusted.logs.slice(before);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line.trace_id).toBe(CLIENT_TRACE);
  });

  it('without a traceparent a 5xx has no trace id', async () => {
    const response = await call(t.app, 'GET', '/v1/test-only/boom', { tenant });
    expect(response.statusCode).toBe(500);
    expect(response.json<Record<string, unknown>>().trace_id).toBeUndefined();
  });
});
