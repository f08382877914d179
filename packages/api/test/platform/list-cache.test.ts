import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openDatabase } from '../../src/db/database.js';
import { createTestTenant, startApp, stores, type Store, type TestApp } from '../support/app.js';
import { call } from '../support/http.js';
import { seedOrder, seedUser } from '../support/seed.js';

/*
 * Issue 19: list pages are cached, and a cached page is never served after a committed change to
 * the account's listed rows, on the instance that made it or on another (the generation moved by
 * database triggers, migration 0009).
 */

const silent = () => new Writable({ write: (_chunk, _encoding, done) => done() });

/** steadfast_cache_requests_total{cache="list", result} as a number. */
async function lookups(app: FastifyInstance, result: 'hit' | 'miss') {
  const metric = await app.metrics.cacheRequests.get();
  return (
    metric.values.find((v) => v.labels.cache === 'list' && v.labels.result === result)?.value ?? 0
  );
}

const started: { close: () => Promise<void> }[] = [];
afterEach(async () => {
  // In order: a second instance before the app that owns the shared database.
  for (const t of started.splice(0)) await t.close();
});

async function start(store: Store, env: Record<string, string> = {}) {
  // No webhook worker: its poll (a query every second) would land in a counted window.
  const t = await startApp(store, { WEBHOOK_WORKER_ENABLED: 'false', ...env });
  started.push(t);
  return t;
}

/** A second instance on the same database through connections of its own. */
async function secondInstance(first: TestApp): Promise<FastifyInstance> {
  const db = openDatabase({
    url: first.config.databaseUrl,
    poolMax: 5,
    statementTimeoutMs: first.config.dbStatementTimeoutMs,
  });
  const two = await buildApp(first.config, { db, logStream: silent() });
  started.unshift({
    close: async () => {
      await two.close();
      await db.close();
    },
  });
  await two.ready();
  return two;
}

describe.each(stores)('the list cache (%s)', (store) => {
  it('serves a repeated page with the same bytes, ETag and Link, in one query, and 304s it', async () => {
    const t = await start(store);
    const tenant = await createTestTenant(t);
    const userId = await seedUser(t, tenant);
    for (let i = 0; i < 3; i += 1) await seedOrder(t, tenant, userId);
    const url = '/v1/orders?limit=2';

    const first = await call(t.app, 'GET', url, { tenant });
    expect(first.statusCode, first.body).toBe(200);
    const [hits, queries] = [await lookups(t.app, 'hit'), t.queries()];
    const second = await call(t.app, 'GET', url, { tenant });
    expect(second.statusCode).toBe(200);
    expect(await lookups(t.app, 'hit')).toBe(hits + 1);
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    // The route's rel="next" and the version's links, once each.
    expect(second.headers.link).toBe(first.headers.link);
    expect(String(second.headers.link)).toMatch(/rel="next"/);
    expect(String(second.headers.link).match(/rel="successor-version"/g)).toHaveLength(1);
    // The generation is the one query a hit costs (the key is cached).
    expect(t.queries() - queries).toBe(1);
    const notModified = await call(t.app, 'GET', url, {
      tenant,
      headers: { 'if-none-match': String(first.headers.etag) },
    });
    expect(notModified.statusCode).toBe(304);
    expect(notModified.body).toBe('');
    // v2 is another URL: its own page, in its own shape.
    const v2 = await call(t.app, 'GET', '/v2/orders?limit=2', { tenant });
    expect(v2.statusCode).toBe(200);
    expect(JSON.parse(v2.body)).toHaveProperty('pagination');
  });

  it('shows every kind of change in the next page on the same instance', async () => {
    const t = await start(store);
    const tenant = await createTestTenant(t);
    const list = async (url: string) => {
      const response = await call(t.app, 'GET', url, { tenant });
      expect(response.statusCode, response.body).toBe(200);
      return JSON.parse(response.body) as { data: Record<string, unknown>[] };
    };
    const userId = await seedUser(t, tenant);
    expect((await list('/v1/users')).data.map((u) => u.id)).toEqual([userId]);
    const renamed = await call(t.app, 'PATCH', `/v1/users/${userId}`, {
      tenant,
      body: { name: 'Renamed' },
    });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect((await list('/v1/users')).data[0]!.name).toBe('Renamed');

    const order = await seedOrder(t, tenant, userId);
    expect((await list('/v1/orders')).data.map((o) => o.status)).toEqual(['pending_payment']);
    const canceled = await call(t.app, 'POST', `/v1/orders/${order.id}/cancel`, { tenant });
    expect(canceled.statusCode, canceled.body).toBe(200);
    expect((await list('/v1/orders')).data.map((o) => o.status)).toEqual(['canceled']);

    const deleted = await call(t.app, 'DELETE', `/v1/users/${await seedUser(t, tenant)}`, {
      tenant,
    });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await list('/v1/users')).data.map((u) => u.id)).toEqual([userId]);
  });

  it("never answers one tenant's request with another's page", async () => {
    const t = await start(store);
    const [a, b] = [await createTestTenant(t), await createTestTenant(t)];
    const [userA, userB] = [await seedUser(t, a), await seedUser(t, b)];
    for (let round = 0; round < 3; round += 1) {
      const [pageA, pageB] = [
        await call(t.app, 'GET', '/v1/users', { tenant: a }),
        await call(t.app, 'GET', '/v1/users', { tenant: b }),
      ];
      expect((JSON.parse(pageA.body) as { data: { id: string }[] }).data[0]!.id).toBe(userA);
      expect((JSON.parse(pageB.body) as { data: { id: string }[] }).data[0]!.id).toBe(userB);
    }
  });

  it('concurrent list requests share generation reads, and each tenant still gets its own page', async () => {
    const t = await start(store);
    const tenants = [await createTestTenant(t), await createTestTenant(t)];
    const users = [await seedUser(t, tenants[0]!), await seedUser(t, tenants[1]!)];
    // Both pages cached first: each request below then costs its generation read only.
    for (const tenant of tenants) await call(t.app, 'GET', '/v1/users', { tenant });
    const queries = t.queries();
    const hits = await lookups(t.app, 'hit');
    // Twenty lists at once, alternating tenants: each must show its tenant's newest user first.
    const listConcurrently = async (newest: string[]) => {
      const pages = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          call(t.app, 'GET', '/v1/users', { tenant: tenants[i % 2] }),
        ),
      );
      pages.forEach((page, i) => {
        expect(page.statusCode).toBe(200);
        const first = (JSON.parse(page.body) as { data: { id: string }[] }).data[0]!;
        expect(first.id).toBe(newest[i % 2]);
      });
    };
    await listConcurrently(users);
    expect(await lookups(t.app, 'hit')).toBe(hits + 20);
    // The requests of one event-loop turn read both tenants' generations in one query (one or two
    // turns here, by how inject dispatches them): twenty queries without that.
    expect(t.queries() - queries).toBeLessThanOrEqual(4);

    // A write, then concurrent lists: the batched read sees the write, tenant 0's pages show it
    // and tenant 1's cached page is still served.
    const created = await call(t.app, 'POST', '/v1/users', {
      tenant: tenants[0],
      body: { email: `batched-${process.pid}@example.com`, name: 'After the write' },
    });
    expect(created.statusCode, created.body).toBe(201);
    await listConcurrently([(JSON.parse(created.body) as { id: string }).id, users[1]!]);
  });

  it('never serves a stale page or ETag on another instance, write after write', async () => {
    const one = await start(store);
    const two = await secondInstance(one);
    const tenant = await createTestTenant(one);
    const instances = [one.app, two];
    const seen = new Set<string>();
    let expectedFirst: string | undefined;
    // Hundreds of rounds, each writing on one instance and listing at once on the other, after
    // listing there twice first: the page of the old state is in that instance's cache (a hit).
    for (let round = 0; round < 200; round += 1) {
      const writer = instances[round % 2]!;
      const reader = instances[(round + 1) % 2]!;
      const expectedName = `n${round}`;
      const hits = await lookups(reader, 'hit');
      for (let i = 0; i < 2; i += 1)
        expect((await call(reader, 'GET', '/v2/users?limit=5', { tenant })).statusCode).toBe(200);
      expect(await lookups(reader, 'hit')).toBe(hits + 1);
      if (round % 4 === 0 || !expectedFirst) {
        const created = await call(writer, 'POST', '/v2/users', {
          tenant,
          body: { email: `list-${process.pid}-${round}@example.com`, name: expectedName },
        });
        expect(created.statusCode, created.body).toBe(201);
        expectedFirst = (JSON.parse(created.body) as { id: string }).id;
      } else {
        const patched = await call(writer, 'PATCH', `/v2/users/${expectedFirst}`, {
          tenant,
          body: { name: expectedName },
        });
        expect(patched.statusCode, patched.body).toBe(200);
      }
      const listed = await call(reader, 'GET', '/v2/users?limit=5', { tenant });
      expect(listed.statusCode).toBe(200);
      const first = (JSON.parse(listed.body) as { data: { id: string; name: string }[] }).data[0]!;
      expect({ round, id: first.id, name: first.name }).toEqual({
        round,
        id: expectedFirst,
        name: expectedName,
      });
      // Every state has its own ETag: a stale tag would repeat an earlier one.
      const etag = String(listed.headers.etag);
      expect(seen.has(etag), `round ${round}: ETag ${etag} of an earlier state`).toBe(false);
      seen.add(etag);
    }
  }, 120_000);

  it('LIST_CACHE_MAX_BYTES=0 turns it off', async () => {
    const t = await start(store, { LIST_CACHE_MAX_BYTES: '0' });
    const tenant = await createTestTenant(t);
    await seedUser(t, tenant);
    for (let i = 0; i < 2; i += 1)
      expect((await call(t.app, 'GET', '/v1/users', { tenant })).statusCode).toBe(200);
    expect(await lookups(t.app, 'hit')).toBe(0);
    expect(await lookups(t.app, 'miss')).toBe(0);
  });
});
