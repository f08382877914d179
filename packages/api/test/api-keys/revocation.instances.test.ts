import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createTestTenant, startApp, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

const REDIS_URL = process.env.REDIS_URL;

/** Long enough that only an invalidation, never the TTL, can explain a refusal in these tests. */
const LONG_TTL = { API_KEY_CACHE_TTL_MS: '600000' };
/** How long pub/sub may take on loopback before we call it broken (typically well under 10 ms). */
const PUBSUB_BOUND_MS = 1_000;

const silent = () => new Writable({ write: (_chunk, _encoding, done) => done() });

interface Instances {
  one: FastifyInstance;
  two: FastifyInstance;
  first: TestApp;
}

/**
 * Two apps on one database, each with its own key cache: two instances of one deployment, minus
 * the load balancer. `two` is built from `one`'s configuration, so it uses the same Redis (if any).
 */
async function twoInstances(
  env: Record<string, string>,
  started: { close: () => Promise<void> }[],
): Promise<Instances> {
  const first = await startApp('sqlite', { ...LONG_TTL, ...env });
  started.push(first);
  const two = await buildApp(first.config, { db: first.db, logStream: silent() });
  // Closed before `first`, whose close() also closes the shared database.
  started.unshift({ close: () => two.close() });
  await two.ready();
  return { one: first.app, two, first };
}

/** Mints a second key, warms it into `instance`'s cache, and returns its secret and id. */
async function warmKey(i: Instances, instance: FastifyInstance) {
  const tenant = await createTestTenant(i.first);
  const created = await call(i.one, 'POST', '/v1/api_keys', { tenant, body: { name: 'victim' } });
  expect(created.statusCode, created.body).toBe(201);
  const key = created.json<{ id: string; secret: string }>();
  const as = { authorization: `Bearer ${key.secret}` };
  expect((await call(instance, 'GET', '/v1/users', { headers: as })).statusCode).toBe(200);
  return { tenant, key, as };
}

/** Polls `instance` with the key until it is refused or `ms` pass; returns the last answer. */
async function refusedWithin(instance: FastifyInstance, as: Record<string, string>, ms: number) {
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await call(instance, 'GET', '/v1/users', { headers: as });
    if (response.statusCode !== 200 || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('key revocation across instances', () => {
  const started: { close: () => Promise<void> }[] = [];
  afterEach(async () => {
    // In order: a second instance before the app that owns the shared database.
    for (const t of started.splice(0)) await t.close();
  });

  it('one instance, no Redis: a revoked key is refused at once (local invalidation)', async () => {
    const t = await startApp('sqlite', LONG_TTL);
    started.push(t);
    const single = { one: t.app, two: t.app, first: t };
    const { tenant, key, as } = await warmKey(single, t.app);
    const revoked = await call(t.app, 'POST', `/v1/api_keys/${key.id}/revoke`, { tenant });
    expect(revoked.statusCode, revoked.body).toBe(200);
    expectProblem(await call(t.app, 'GET', '/v1/users', { headers: as }), 401, 'unauthenticated');
  });

  it('two instances without Redis: the other instance keeps the stale row (why Redis is needed)', async () => {
    const i = await twoInstances({}, started);
    const { tenant, key, as } = await warmKey(i, i.two);
    await call(i.one, 'POST', `/v1/api_keys/${key.id}/revoke`, { tenant });
    expectProblem(await call(i.one, 'GET', '/v1/users', { headers: as }), 401, 'unauthenticated');
    // Documented: without REDIS_URL, N instances see a revocation only within API_KEY_CACHE_TTL_MS.
    expect((await call(i.two, 'GET', '/v1/users', { headers: as })).statusCode).toBe(200);
  });

  it.skipIf(!REDIS_URL)(
    'two instances sharing Redis: revoked through one, refused by the other within the pub/sub bound',
    async () => {
      const channel = `steadfast:test:inv:${process.pid}:${Date.now()}`;
      const i = await twoInstances(
        { REDIS_URL: REDIS_URL!, CACHE_INVALIDATION_CHANNEL: channel },
        started,
      );
      const { tenant, key, as } = await warmKey(i, i.two);
      // Still cached and valid on `two` before the revocation.
      expect((await call(i.two, 'GET', '/v1/users', { headers: as })).statusCode).toBe(200);

      const revoked = await call(i.one, 'POST', `/v1/api_keys/${key.id}/revoke`, { tenant });
      expect(revoked.statusCode, revoked.body).toBe(200);
      // A 200 after the bound fails here: the TTL (10 min) cannot be what refuses it.
      expectProblem(await refusedWithin(i.two, as, PUBSUB_BOUND_MS), 401, 'unauthenticated');
      // Other keys of the tenant are untouched.
      expect((await call(i.two, 'GET', '/v1/users', { tenant })).statusCode).toBe(200);
    },
  );
});
