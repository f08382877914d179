import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call } from '../support/http.js';
import { seedOrder, seedUser } from '../support/seed.js';

/** Queries one request costs; the counter sees every statement the app's database executes. */
async function queriesFor(
  t: TestApp,
  url: string,
  tenant: Tenant,
): Promise<{ count: number; size: number }> {
  const before = t.queries();
  const response = await call(t.app, 'GET', url, { tenant });
  expect(response.statusCode).toBe(200);
  const body = response.json<{ data?: unknown[] }>();
  return { count: t.queries() - before, size: body.data?.length ?? 1 };
}

describe.each(stores)('no N+1: query count per request is constant (%s)', (store) => {
  let t: TestApp;
  let small: Tenant;
  let large: Tenant;

  beforeAll(async () => {
    // The list cache off: these count the queries that build a page (a cached page costs one,
    // its generation: test/platform/list-cache.test.ts). Key rows and account statuses stay cached
    // for the whole file: with the default 30 s, seeding on a slow machine outlived the small
    // tenant's entry, and its request counted one lookup more than the large tenant's.
    // No webhook worker: its poll (a query every second) landed inside measured requests.
    t = await startApp(store, {
      LIST_CACHE_MAX_BYTES: '0',
      API_KEY_CACHE_TTL_MS: '3600000',
      WEBHOOK_WORKER_ENABLED: 'false',
    });
    small = await createTestTenant(t, 'small');
    large = await createTestTenant(t, 'large');
    const smallUser = await seedUser(t, small);
    await seedOrder(t, small, smallUser, 1);
    const largeUser = await seedUser(t, large);
    for (let i = 0; i < 100; i++) await seedOrder(t, large, largeUser, 5);
    for (let i = 0; i < 100; i++) await seedUser(t, large);
  }, 60_000);
  afterAll(() => t.close());

  it('listing 1 or 100 orders with their items costs the same number of queries', async () => {
    const one = await queriesFor(t, '/v1/orders?limit=100', small);
    const hundred = await queriesFor(t, '/v1/orders?limit=100', large);
    expect(one.size).toBe(1);
    expect(hundred.size).toBe(100);
    expect(hundred.count).toBe(one.count);
    // One page of orders + one query for all their items (the key was looked up while seeding).
    expect(hundred.count).toBeLessThanOrEqual(2);
  });

  it('listing users does not grow with the page size either', async () => {
    const one = await queriesFor(t, '/v1/users?limit=1', large);
    const hundred = await queriesFor(t, '/v1/users?limit=100', large);
    expect(hundred.size).toBe(100);
    expect(hundred.count).toBe(one.count);
  });

  it('a later page costs the same as the first', async () => {
    const first = await call(t.app, 'GET', '/v1/orders?limit=10', { tenant: large });
    const cursor = first.json<{ next_cursor: string }>().next_cursor;
    const firstCost = await queriesFor(t, '/v1/orders?limit=10', large);
    const laterCost = await queriesFor(t, `/v1/orders?limit=10&starting_after=${cursor}`, large);
    expect(laterCost.count).toBe(firstCost.count);
  });
});
