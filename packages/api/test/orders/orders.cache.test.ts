import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createTestTenant, startApp, stores, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { seedOrder, seedUser } from '../support/seed.js';
import { newKey, newOrder, pay, refund, startPaymentWorld } from '../payments/support.js';

const REDIS_URL = process.env.REDIS_URL;
/** Long enough that only an invalidation, never the TTL, can explain a fresh read in these tests. */
const LONG_TTL = { RESOURCE_CACHE_TTL_MS: '600000' };
/** How long pub/sub may take on loopback before we call it broken (typically well under 10 ms). */
const PUBSUB_BOUND_MS = 1_000;

const silent = () => new Writable({ write: (_chunk, _encoding, done) => done() });

/** steadfast_cache_requests_total{cache, result} as a number. */
async function lookups(app: FastifyInstance, cache: string, result: 'hit' | 'miss') {
  const metric = await app.metrics.cacheRequests.get();
  return (
    metric.values.find((v) => v.labels.cache === cache && v.labels.result === result)?.value ?? 0
  );
}

const started: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  // In order: a second instance before the app that owns the shared database.
  for (const t of started.splice(0)) await t.close();
});

async function start(store: (typeof stores)[number], env: Record<string, string> = {}) {
  // No webhook worker: its poll (a query every second) would land in a counted window.
  const t = await startApp(store, { ...LONG_TTL, WEBHOOK_WORKER_ENABLED: 'false', ...env });
  started.push(t);
  return t;
}

describe.each(stores)('order and user caches (%s)', (store) => {
  it('the second GET of an order is a hit and costs no query, with the same bytes and ETag', async () => {
    const t = await start(store);
    const tenant = await createTestTenant(t);
    const order = await seedOrder(t, tenant, await seedUser(t, tenant));

    const first = await call(t.app, 'GET', `/v1/orders/${order.id}`, { tenant });
    expect(first.statusCode, first.body).toBe(200);
    const [hits, misses, queries] = [
      await lookups(t.app, 'order', 'hit'),
      await lookups(t.app, 'order', 'miss'),
      t.queries(),
    ];
    const second = await call(t.app, 'GET', `/v1/orders/${order.id}`, { tenant });
    expect(second.statusCode).toBe(200);
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(await lookups(t.app, 'order', 'hit')).toBe(hits + 1);
    expect(await lookups(t.app, 'order', 'miss')).toBe(misses);
    // The key row is cached too, so a hot read touches no table at all.
    expect(t.queries() - queries).toBe(0);
    // v2 presents the same cached order in its own shape.
    const v2 = await call(t.app, 'GET', `/v2/orders/${order.id}`, { tenant });
    expect(v2.json<{ total_money: unknown }>().total_money).toBeDefined();
  });

  it('another tenant never gets a cached order or user: 404', async () => {
    const t = await start(store);
    const owner = await createTestTenant(t);
    const stranger = await createTestTenant(t);
    const userId = await seedUser(t, owner);
    const order = await seedOrder(t, owner, userId);
    expect((await call(t.app, 'GET', `/v1/orders/${order.id}`, { tenant: owner })).statusCode).toBe(
      200,
    );
    expect((await call(t.app, 'GET', `/v1/users/${userId}`, { tenant: owner })).statusCode).toBe(
      200,
    );
    expectProblem(
      await call(t.app, 'GET', `/v1/orders/${order.id}`, { tenant: stranger }),
      404,
      'not_found',
    );
    expectProblem(
      await call(t.app, 'GET', `/v1/users/${userId}`, { tenant: stranger }),
      404,
      'not_found',
    );
  });

  it('cancelling through the API invalidates: the next GET shows the change and a new ETag', async () => {
    const t = await start(store);
    const tenant = await createTestTenant(t);
    const order = await seedOrder(t, tenant, await seedUser(t, tenant));
    await call(t.app, 'GET', `/v1/orders/${order.id}`, { tenant });
    const hits = await lookups(t.app, 'order', 'hit');
    expect((await call(t.app, 'GET', `/v1/orders/${order.id}`, { tenant })).statusCode).toBe(200);
    expect(await lookups(t.app, 'order', 'hit')).toBe(hits + 1);

    const canceled = await call(t.app, 'POST', `/v1/orders/${order.id}/cancel`, { tenant });
    expect(canceled.statusCode, canceled.body).toBe(200);
    const after = await call(t.app, 'GET', `/v1/orders/${order.id}`, { tenant });
    expect(after.headers.etag).toBe('"v2"');
    expect(after.json()).toMatchObject({ status: 'canceled', canceled_at: expect.any(String) });
    expect(after.body).toBe(canceled.body);
  });

  it('updating and deleting a user invalidates its cached copy', async () => {
    const t = await start(store);
    const tenant = await createTestTenant(t);
    const userId = await seedUser(t, tenant);
    expect((await call(t.app, 'GET', `/v1/users/${userId}`, { tenant })).headers.etag).toBe('"v1"');
    const patched = await call(t.app, 'PATCH', `/v1/users/${userId}`, {
      tenant,
      body: { name: 'Renamed' },
    });
    expect(patched.statusCode, patched.body).toBe(200);
    const after = await call(t.app, 'GET', `/v1/users/${userId}`, { tenant });
    expect(after.headers.etag).toBe('"v2"');
    expect(after.json()).toMatchObject({ name: 'Renamed' });
    expect((await call(t.app, 'DELETE', `/v1/users/${userId}`, { tenant })).statusCode).toBe(204);
    expectProblem(await call(t.app, 'GET', `/v1/users/${userId}`, { tenant }), 404, 'not_found');
  });

  it('a payment and a refund invalidate the order they change', async () => {
    const world = await startPaymentWorld(store, LONG_TTL);
    started.push(world);
    const order = await newOrder(world);
    const get = () => call(world.t.app, 'GET', `/v1/orders/${order.id}`, { tenant: world.tenant });
    expect((await get()).headers.etag).toBe('"v1"');

    const paid = await pay(world, { order_id: order.id, payment_method: 'pm_card_visa' });
    expect(paid.statusCode, paid.body).toBe(201);
    const afterPayment = await get();
    expect(afterPayment.json()).toMatchObject({
      status: 'paid',
      amount_paid: order.total_amount,
    });
    // Reserved (v2), then booked (v3): the cached v1 is gone.
    expect(afterPayment.headers.etag).toBe('"v3"');

    const refunded = await refund(world, paid.json<{ id: string }>().id, {}, newKey());
    expect(refunded.statusCode, refunded.body).toBe(201);
    const afterRefund = await get();
    expect(afterRefund.json()).toMatchObject({
      status: 'refunded',
      amount_refunded: order.total_amount,
    });
    expect(afterRefund.headers.etag).toBe('"v4"');
  });

  it('RESOURCE_CACHE_TTL_MS=0 turns the cache off: every GET reads the database', async () => {
    const t = await start(store, { RESOURCE_CACHE_TTL_MS: '0' });
    const tenant = await createTestTenant(t);
    const order = await seedOrder(t, tenant, await seedUser(t, tenant));
    await call(t.app, 'GET', `/v1/orders/${order.id}`, { tenant });
    const queries = t.queries();
    expect((await call(t.app, 'GET', `/v1/orders/${order.id}`, { tenant })).statusCode).toBe(200);
    expect(t.queries() - queries).toBeGreaterThan(0);
    expect(await lookups(t.app, 'order', 'hit')).toBe(0);
  });
});

describe('order cache across instances', () => {
  /** Two apps on one database, each with its own caches, like two instances of one deployment. */
  async function twoInstances(env: Record<string, string>): Promise<{
    one: FastifyInstance;
    two: FastifyInstance;
    first: TestApp;
  }> {
    const first = await start('sqlite', env);
    const two = await buildApp(first.config, { db: first.db, logStream: silent() });
    // Closed before `first`, whose close() also closes the shared database.
    started.unshift({ close: () => two.close() });
    await two.ready();
    return { one: first.app, two, first };
  }

  it.skipIf(!REDIS_URL)(
    'a cancel through instance two drops instance one’s cached order via Redis pub/sub',
    async () => {
      const channel = `steadfast:test:orders:${process.pid}:${Date.now()}`;
      const i = await twoInstances({ REDIS_URL: REDIS_URL!, CACHE_INVALIDATION_CHANNEL: channel });
      const tenant = await createTestTenant(i.first);
      const order = await seedOrder(i.first, tenant, await seedUser(i.first, tenant));
      const getOnOne = () => call(i.one, 'GET', `/v1/orders/${order.id}`, { tenant });
      await getOnOne();
      const hits = await lookups(i.one, 'order', 'hit');
      expect((await getOnOne()).headers.etag).toBe('"v1"');
      expect(await lookups(i.one, 'order', 'hit')).toBe(hits + 1);

      const canceled = await call(i.two, 'POST', `/v1/orders/${order.id}/cancel`, { tenant });
      expect(canceled.statusCode, canceled.body).toBe(200);
      // Poll: the pub/sub message is asynchronous. A "v1" after the bound fails here; the TTL
      // (10 min) cannot be what refreshes it.
      const deadline = Date.now() + PUBSUB_BOUND_MS;
      let seen = await getOnOne();
      while (seen.headers.etag === '"v1"' && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        seen = await getOnOne();
      }
      expect(seen.headers.etag).toBe('"v2"');
      expect(seen.json()).toMatchObject({ status: 'canceled' });
    },
  );

  it('without Redis the other instance keeps its copy until the TTL (why Redis is needed)', async () => {
    const i = await twoInstances({});
    const tenant = await createTestTenant(i.first);
    const order = await seedOrder(i.first, tenant, await seedUser(i.first, tenant));
    await call(i.one, 'GET', `/v1/orders/${order.id}`, { tenant });
    const canceled = await call(i.two, 'POST', `/v1/orders/${order.id}/cancel`, { tenant });
    expect(canceled.statusCode, canceled.body).toBe(200);
    const stale = await call(i.one, 'GET', `/v1/orders/${order.id}`, { tenant });
    expect(stale.headers.etag).toBe('"v1"');
  });
});
