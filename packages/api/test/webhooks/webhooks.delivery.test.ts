import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Infrastructure } from '../../src/wiring/infrastructure.js';
import { createWebhookWorker } from '../../src/wiring/modules.js';
import { createDeliveryWorker } from '../../src/modules/webhooks/worker.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { ownPostgresDatabase } from '../support/own-database.js';
import { seedOrder, seedUser } from '../support/seed.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const ENV = {
  WEBHOOK_WORKER_ENABLED: 'false', // the tests drive passes themselves, with their own clock
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  WEBHOOK_TIMEOUT_MS: '300',
  WEBHOOK_LEASE_MS: '5000',
  WEBHOOK_MAX_ATTEMPTS: '4',
  WEBHOOK_BACKOFF_BASE_MS: '1000',
  WEBHOOK_BACKOFF_CAP_MS: '600000',
  WEBHOOK_DISABLE_AFTER_FAILURES: '6',
};

describe.each(stores)('webhook delivery (%s)', (store) => {
  let t: TestApp;
  let receiver: Receiver;
  let clock: number;
  let randomValue: number;
  const worker = () =>
    createDeliveryWorker({
      db: t.db.kysely,
      dialect: t.db.dialect,
      settings: t.config.webhooks,
      guard: { requireHttps: false, allowLoopback: true },
      log: t.app.log,
      now: () => new Date(clock),
      random: () => randomValue,
    });

  beforeAll(async () => {
    // The worker claims across tenants: on PostgreSQL a database of its own, so it never takes
    // (nor loses) deliveries of suites running beside it.
    t = await startApp(
      store,
      store === 'postgres'
        ? { ...ENV, DATABASE_URL: await ownPostgresDatabase('steadfast_webhook_delivery') }
        : ENV,
    );
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await receiver.close();
    await t.close();
  });
  const tenants: Tenant[] = [];
  // The claim is across tenants: what a test leaves pending must not reach the next one.
  afterEach(async () => {
    receiver.arrivals.length = 0;
    for (const tenant of tenants.splice(0)) {
      for (const table of ['webhook_deliveries', 'webhook_endpoints'] as const)
        await t.db.kysely.deleteFrom(table).where('account_id', '=', tenant.accountId).execute();
    }
  });
  /** A new tenant, cleaned up after the test. */
  async function newTenant() {
    const tenant = await createTestTenant(t);
    tenants.push(tenant);
    return tenant;
  }
  /** The test clock, set just after the events were written (they are due at their own time). */
  const startClock = () => {
    clock = Date.now() + 1;
  };

  async function subscribe(tenant: Tenant, eventTypes: string[] = ['*']) {
    const response = await call(t.app, 'POST', '/v2/webhook_endpoints', {
      tenant,
      body: { url: receiver.url, event_types: eventTypes },
    });
    expect(response.statusCode, response.body).toBe(201);
    const endpoint = response.json<{ id: string; secret: string }>();
    receiver.trust(endpoint.secret);
    return endpoint;
  }

  async function deliveries(tenant: Tenant, endpointId: string) {
    const response = await call(t.app, 'GET', `/v1/webhook_endpoints/${endpointId}/deliveries`, {
      tenant,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ data: Record<string, unknown>[] }>().data;
  }

  it('delivers order, payment-free events signed per Standard Webhooks, verified independently', async () => {
    const tenant = await newTenant();
    const endpoint = await subscribe(tenant, ['order.created', 'order.canceled']);
    const order = await seedOrder(t, tenant, await seedUser(t, tenant));
    const cancel = await call(t.app, 'POST', `/v1/orders/${order.id}/cancel`, { tenant });
    expect(cancel.statusCode, cancel.body).toBe(200);

    startClock();
    expect(await worker().runOnce()).toBe(2);
    expect(receiver.arrivals).toHaveLength(2);
    const bodies = receiver.arrivals.map((a) => JSON.parse(a.body) as Record<string, unknown>);
    expect(bodies.map((b) => b.type)).toEqual(['order.created', 'order.canceled']);
    expect(bodies[0]).toMatchObject({ object: 'event', data: { id: order.id, object: 'order' } });
    for (const arrival of receiver.arrivals) {
      expect(arrival.verified).toBe(true);
      expect(arrival.headers['webhook-id']).toMatch(/^evt_/);
      expect(arrival.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
    }
    expect(await worker().runOnce()).toBe(0); // each delivered once
    const log = await deliveries(tenant, endpoint.id);
    expect(log).toHaveLength(2);
    expect(log[0]).toMatchObject({ status: 'succeeded', attempts: 1, last_response_status: 204 });
    expect(log[0]!.next_attempt_at).toBeNull();
  });

  it('retries on 500, timeout, reset and redirect (never followed) with the same webhook-id, on the backoff schedule', async () => {
    randomValue = 0.5;
    const tenant = await newTenant();
    const endpoint = await subscribe(tenant, ['order.created']);
    const redirectTarget = await startReceiver();
    receiver.answer(
      { kind: 'status', status: 500 },
      { kind: 'hang' },
      { kind: 'redirect', location: redirectTarget.url },
    );
    await seedOrder(t, tenant, await seedUser(t, tenant));

    startClock();
    expect(await worker().runOnce()).toBe(1); // 500
    let [entry] = await deliveries(tenant, endpoint.id);
    expect(entry).toMatchObject({ status: 'pending', attempts: 1, last_response_status: 500 });
    // Attempt 1 failed: wait = random × min(base × 2^0, cap) = 0.5 × 1 s.
    expect(Date.parse(entry!.next_attempt_at as string) - clock).toBe(500);
    expect(await worker().runOnce()).toBe(0); // not due yet

    clock += 500;
    expect(await worker().runOnce()).toBe(1); // hangs: timed out
    [entry] = await deliveries(tenant, endpoint.id);
    expect(entry).toMatchObject({ attempts: 2, last_response_status: null });
    expect(entry!.last_error).toMatch(/timed out/);
    expect(Date.parse(entry!.next_attempt_at as string) - clock).toBe(1000); // 0.5 × 2 s

    clock += 1000;
    expect(await worker().runOnce()).toBe(1); // 302: a failure, not followed
    [entry] = await deliveries(tenant, endpoint.id);
    expect(entry).toMatchObject({ attempts: 3, last_response_status: 302 });
    expect(redirectTarget.arrivals).toHaveLength(0);
    await redirectTarget.close();

    clock += 2000;
    receiver.answer({ kind: 'reset' });
    expect(await worker().runOnce()).toBe(1); // 4th and last attempt: connection reset
    [entry] = await deliveries(tenant, endpoint.id);
    expect(entry).toMatchObject({ status: 'failed', attempts: 4, next_attempt_at: null });

    const ids = new Set(receiver.arrivals.map((a) => a.headers['webhook-id']));
    expect(receiver.arrivals).toHaveLength(4);
    expect(ids.size).toBe(1);

    // A manual retry sends it again now, with the same id.
    const retried = await call(
      t.app,
      'POST',
      `/v2/webhook_endpoints/${endpoint.id}/deliveries/${entry!.id as string}/retry`,
      { tenant },
    );
    expect(retried.statusCode, retried.body).toBe(202);
    expect(retried.json()).toMatchObject({ status: 'pending' });
    expect(await worker().runOnce()).toBe(1);
    [entry] = await deliveries(tenant, endpoint.id);
    expect(entry).toMatchObject({ status: 'succeeded', attempts: 5 });
    expect(receiver.arrivals.at(-1)!.headers['webhook-id']).toBe([...ids][0]);

    // Every attempt is in the delivery's history, newest first, in both versions.
    for (const v of ['v1', 'v2']) {
      const got = await call(
        t.app,
        'GET',
        `/${v}/webhook_endpoints/${endpoint.id}/deliveries/${entry!.id as string}`,
        { tenant },
      );
      expect(got.statusCode, got.body).toBe(200);
      const history = got.json<{ attempt_history: Record<string, unknown>[] }>().attempt_history;
      expect(history.map((a) => [a.attempt, a.outcome, a.response_status])).toEqual([
        [5, 'succeeded', 204],
        [4, 'failed', null],
        [3, 'retried', 302],
        [2, 'retried', null],
        [1, 'retried', 500],
      ]);
      expect(history[0]).toMatchObject({ error: null, next_attempt_at: null });
      expect(history[3]!.error).toMatch(/timed out/);
      expect(history[3]!.duration_ms).toBeGreaterThanOrEqual(250);
      expect(history[4]).toMatchObject({ error: 'HTTP 500' });
      // Attempt 1 scheduled attempt 2 half a second on (random 0.5 × 1 s).
      expect(Date.parse(history[4]!.next_attempt_at as string)).toBe(
        Date.parse(history[4]!.started_at as string) + 500,
      );
      expect(history[1]!.error).toBeTruthy();
      expect(history[1]!.next_attempt_at).toBeNull();
    }

    // Another tenant sees none of it; a delivery id under another endpoint is not found.
    const other = await newTenant();
    const path = `/v1/webhook_endpoints/${endpoint.id}/deliveries/${entry!.id as string}`;
    expectProblem(await call(t.app, 'GET', path, { tenant: other }), 404, 'not_found');
    const second = await subscribe(tenant, ['order.canceled']);
    expectProblem(
      await call(
        t.app,
        'GET',
        `/v1/webhook_endpoints/${second.id}/deliveries/${entry!.id as string}`,
        { tenant },
      ),
      404,
      'not_found',
    );

    // The history goes with its endpoint and deliveries.
    const deleted = await call(t.app, 'DELETE', `/v1/webhook_endpoints/${endpoint.id}`, { tenant });
    expect(deleted.statusCode).toBe(204);
    const left = await t.db.kysely
      .selectFrom('webhook_delivery_attempts')
      .select('id')
      .where('delivery_id', '=', entry!.id as string)
      .execute();
    expect(left).toHaveLength(0);
  });

  it('honours Retry-After on 429 and 503', async () => {
    randomValue = 0;
    const tenant = await newTenant();
    const endpoint = await subscribe(tenant, ['order.created']);
    receiver.answer({ kind: 'status', status: 429, retryAfter: '120' });
    await seedOrder(t, tenant, await seedUser(t, tenant));
    startClock();
    expect(await worker().runOnce()).toBe(1);
    const [entry] = await deliveries(tenant, endpoint.id);
    expect(Date.parse(entry!.next_attempt_at as string) - clock).toBe(120_000);
    clock += 119_000;
    expect(await worker().runOnce()).toBe(0);
    clock += 1_000;
    receiver.answer({ kind: 'status', status: 503, retryAfter: '30' });
    expect(await worker().runOnce()).toBe(1);
    const [again] = await deliveries(tenant, endpoint.id);
    expect(Date.parse(again!.next_attempt_at as string) - clock).toBe(30_000);
  });

  it('signs with both secrets during a rotation overlap', async () => {
    const tenant = await newTenant();
    const endpoint = await subscribe(tenant, ['order.created']);
    const rotated = await call(
      t.app,
      'POST',
      `/v1/webhook_endpoints/${endpoint.id}/rotate_secret`,
      {
        tenant,
      },
    );
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { secret } = rotated.json<{ secret: string }>();
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(endpoint.secret);
    receiver.trust(endpoint.secret, secret);
    await seedOrder(t, tenant, await seedUser(t, tenant));
    startClock();
    expect(await worker().runOnce()).toBe(1);
    expect(receiver.arrivals[0]!.verifiedWith.sort()).toEqual([endpoint.secret, secret].sort());
    expect((receiver.arrivals[0]!.headers['webhook-signature'] as string).split(' ')).toHaveLength(
      2,
    );
  });

  it('disables an endpoint after the failure threshold and tells the tenant with an event', async () => {
    randomValue = 0;
    const tenant = await newTenant();
    const failing = await subscribe(tenant, ['order.created']);
    const watcher = await call(t.app, 'POST', '/v1/webhook_endpoints', {
      tenant,
      body: { url: receiver.url, event_types: ['webhook_endpoint.disabled'] },
    });
    const watcherId = watcher.json<{ id: string }>().id;
    const user = await seedUser(t, tenant);
    await seedOrder(t, tenant, user);
    await seedOrder(t, tenant, user);
    receiver.answer(...Array.from({ length: 6 }, () => ({ kind: 'status' as const, status: 500 })));
    // 2 deliveries × 3 failed attempts = 6 consecutive failures: the threshold.
    startClock();
    for (let pass = 0; pass < 3; pass += 1) {
      await worker().runOnce();
      clock += 10_000;
    }
    const got = await call(t.app, 'GET', `/v1/webhook_endpoints/${failing.id}`, { tenant });
    expect(got.json()).toMatchObject({
      enabled: false,
      disabled_reason: expect.stringMatching(/6 consecutive/),
    });
    // The watcher endpoint receives the disabled event; the disabled one gets nothing more.
    await worker().runOnce();
    const last = receiver.arrivals.at(-1)!;
    expect(JSON.parse(last.body)).toMatchObject({
      type: 'webhook_endpoint.disabled',
      data: { id: failing.id, enabled: false },
    });
    expect((await deliveries(tenant, watcherId))[0]).toMatchObject({ status: 'succeeded' });
    expect(t.logs.some((l) => l.event === 'webhook.endpoint_disabled')).toBe(true);
    // Re-enabling resumes the pending deliveries.
    const enabled = await call(t.app, 'PATCH', `/v1/webhook_endpoints/${failing.id}`, {
      tenant,
      body: { enabled: true },
    });
    expect(enabled.json()).toMatchObject({ enabled: true, disabled_reason: null });
    expect(await worker().runOnce()).toBe(2); // both deliveries had an attempt left
  });

  it('a delivery claimed by a worker that died is retried after the lease, not lost', async () => {
    const tenant = await newTenant();
    const endpoint = await subscribe(tenant, ['order.created']);
    await seedOrder(t, tenant, await seedUser(t, tenant));
    // A worker that claims and never finishes: the receiver hangs past the attempt and the
    // process "dies" (its completion is never written because the claim is taken over).
    startClock();
    const { claimDue } = await import('../../src/modules/webhooks/delivery-queue.js');
    const claimed = await claimDue(t.db.kysely, t.db.dialect, {
      claimToken: 'dead-worker',
      now: new Date(clock).toISOString(),
      leaseUntil: new Date(clock + 5000).toISOString(),
      limit: 10,
    });
    expect(claimed).toHaveLength(1);
    expect(await worker().runOnce()).toBe(0); // leased
    clock += 5000;
    expect(await worker().runOnce()).toBe(1);
    expect((await deliveries(tenant, endpoint.id))[0]).toMatchObject({
      status: 'succeeded',
      attempts: 2,
    });
    expect(receiver.arrivals).toHaveLength(1);
  });

  it('checks the URL again at delivery: an address refused now is not connected to', async () => {
    const tenant = await newTenant();
    const endpoint = await subscribe(tenant, ['order.created']);
    await seedOrder(t, tenant, await seedUser(t, tenant));
    startClock();
    const strict = createDeliveryWorker({
      db: t.db.kysely,
      dialect: t.db.dialect,
      settings: t.config.webhooks,
      guard: { requireHttps: false, allowLoopback: false },
      log: t.app.log,
      now: () => new Date(clock),
    });
    expect(await strict.runOnce()).toBe(1);
    expect(receiver.arrivals).toHaveLength(0);
    const [entry] = await deliveries(tenant, endpoint.id);
    expect(entry).toMatchObject({ status: 'pending', last_response_status: null });
    expect(entry!.last_error).toMatch(/URL refused: resolves to a loopback address/);
  });

  it('counts attempts and the backlog age in the metrics', async () => {
    const tenant = await newTenant();
    await subscribe(tenant, ['order.created']);
    await seedOrder(t, tenant, await seedUser(t, tenant));
    const text = async () => t.app.metrics.registry.metrics();
    expect(await text()).toMatch(/^steadfast_webhook_backlog_age_seconds \d/m);
    const infra = { db: t.db, metrics: t.app.metrics } as unknown as Infrastructure;
    expect(await createWebhookWorker(t.app, t.config, infra).runOnce()).toBeGreaterThanOrEqual(1);
    const metrics = await text();
    expect(metrics).toMatch(/^steadfast_webhook_deliveries_total\{outcome="succeeded"\} [1-9]/m);
    expect(metrics).toMatch(/^steadfast_webhook_delivery_latency_seconds_count [1-9]/m);
    expect(metrics).toMatch(/^steadfast_webhook_endpoints_disabled_total 0/m);
  });
});
