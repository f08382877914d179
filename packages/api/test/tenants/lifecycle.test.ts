import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createTestTenant, startApp, stores, uniqueEmail, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { runTs } from '../support/process.js';

const REDIS_URL = process.env.REDIS_URL;
const OPERATOR_TOKEN = 'operator-token-for-the-tenant-lifecycle-tests';
const operator = { authorization: `Bearer ${OPERATOR_TOKEN}` };
/** Long enough that only an invalidation, never the TTL, can explain a refusal. */
const LONG_TTL = { API_KEY_CACHE_TTL_MS: '600000', OPERATOR_TOKEN };
const PUBSUB_BOUND_MS = 1_000;

const silent = () => new Writable({ write: (_chunk, _encoding, done) => done() });

/** Polls until `instance` stops answering 200 to the key, or `ms` pass; returns the last answer. */
async function refusedWithin(
  instance: FastifyInstance,
  headers: Record<string, string>,
  ms: number,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    const response = await call(instance, 'GET', '/v1/users', { headers });
    if (response.statusCode !== 200 || Date.now() > deadline) return response;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const act = (
  app: FastifyInstance,
  id: string,
  action: string,
  headers: Record<string, string> = operator,
) => call(app, 'POST', `/operator/tenants/${id}/${action}`, { headers, body: {} });

describe.each(stores)('tenant lifecycle on one instance (%s)', (store) => {
  const started: TestApp[] = [];
  afterEach(async () => {
    for (const t of started.splice(0)) await t.close();
  });

  it('suspend → 403 account_suspended for reads and writes; resume → served again', async () => {
    const t = await startApp(store, LONG_TTL);
    started.push(t);
    const tenant = await createTestTenant(t);
    const bystander = await createTestTenant(t);
    expect((await call(t.app, 'GET', '/v1/users', { tenant })).statusCode).toBe(200);

    const suspended = await act(t.app, tenant.accountId, 'suspend');
    expect(suspended.statusCode, suspended.body).toBe(200);
    expect(suspended.json()).toMatchObject({ id: tenant.accountId, status: 'suspended' });
    expectProblem(await call(t.app, 'GET', '/v1/users', { tenant }), 403, 'account_suspended');
    expectProblem(
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail() } }),
      403,
      'account_suspended',
    );
    expectProblem(await call(t.app, 'GET', '/v2/orders', { tenant }), 403, 'account_suspended');
    // Other tenants are untouched; suspending twice is harmless.
    expect((await call(t.app, 'GET', '/v1/users', { tenant: bystander })).statusCode).toBe(200);
    expect((await act(t.app, tenant.accountId, 'suspend')).statusCode).toBe(200);

    expect((await act(t.app, tenant.accountId, 'resume')).json()).toMatchObject({
      status: 'active',
    });
    expect((await call(t.app, 'GET', '/v1/users', { tenant })).statusCode).toBe(200);
  });

  it('delete is soft and final: credentials refused at once, rows kept, no resume', async () => {
    const t = await startApp(store, LONG_TTL);
    started.push(t);
    const tenant = await createTestTenant(t);
    const created = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: uniqueEmail() },
    });
    expect(created.statusCode).toBe(201);

    const deleted = await act(t.app, tenant.accountId, 'delete');
    expect(deleted.json()).toMatchObject({ status: 'deleted', deleted_at: expect.any(String) });
    expectProblem(await call(t.app, 'GET', '/v1/users', { tenant }), 401, 'unauthenticated');
    const kept = await t.db.kysely
      .selectFrom('users')
      .select('id')
      .where('account_id', '=', tenant.accountId)
      .execute();
    expect(kept).toHaveLength(1);
    expectProblem(await act(t.app, tenant.accountId, 'resume'), 409, 'tenant_deleted');
    expectProblem(await act(t.app, tenant.accountId, 'suspend'), 409, 'tenant_deleted');
  });

  it('the operator API refuses tenant keys and strangers, and does not exist without OPERATOR_TOKEN', async () => {
    const t = await startApp(store, LONG_TTL);
    started.push(t);
    const tenant = await createTestTenant(t);
    for (const headers of [tenant.headers, {}, { authorization: `Bearer ${OPERATOR_TOKEN}x` }]) {
      expectProblem(await act(t.app, tenant.accountId, 'suspend', headers), 401, 'unauthenticated');
      expectProblem(
        await call(t.app, 'GET', `/operator/tenants/${tenant.accountId}`, { headers }),
        401,
        'unauthenticated',
      );
    }
    expect((await call(t.app, 'GET', '/v1/users', { tenant })).statusCode).toBe(200);
    expectProblem(
      await call(t.app, 'GET', `/operator/tenants/acct_01jdq41m2n3p4q5r6s7t8v9w0x`, {
        headers: operator,
      }),
      404,
      'not_found',
    );
    expectProblem(await act(t.app, tenant.accountId, 'destroy'), 400, 'validation_failed');

    const plain = await startApp(store);
    started.push(plain);
    expectProblem(await act(plain.app, tenant.accountId, 'suspend'), 404, 'route_not_found');
  });
});

describe('tenant lifecycle across instances', () => {
  const started: { close: () => Promise<void> }[] = [];
  afterEach(async () => {
    for (const t of started.splice(0)) await t.close();
  });

  /** Two apps on one database, each with its own caches: two instances minus the load balancer. */
  async function twoInstances(env: Record<string, string>) {
    const first = await startApp('sqlite', { ...LONG_TTL, ...env });
    started.push(first);
    const two = await buildApp(first.config, { db: first.db, logStream: silent() });
    started.unshift({ close: () => two.close() });
    await two.ready();
    const tenant = await createTestTenant(first);
    // Warm on both: the key row and the account status are cached everywhere.
    for (const app of [first.app, two])
      expect((await call(app, 'GET', '/v1/users', { tenant })).statusCode).toBe(200);
    return { first, one: first.app, two, tenant };
  }

  it.skipIf(!REDIS_URL)(
    'sharing Redis: suspended through one, refused by the other within the pub/sub bound; resumed likewise',
    async () => {
      const channel = `steadfast:test:tenants:${process.pid}:${Date.now()}`;
      const i = await twoInstances({ REDIS_URL: REDIS_URL!, CACHE_INVALIDATION_CHANNEL: channel });
      expect((await act(i.one, i.tenant.accountId, 'suspend')).statusCode).toBe(200);
      // The TTL is 10 minutes: only the invalidation can explain a refusal within a second.
      expectProblem(
        await refusedWithin(i.two, i.tenant.headers, PUBSUB_BOUND_MS),
        403,
        'account_suspended',
      );
      expect((await act(i.one, i.tenant.accountId, 'resume')).statusCode).toBe(200);
      const deadline = Date.now() + PUBSUB_BOUND_MS;
      let status = 0;
      while (Date.now() < deadline && status !== 200) {
        status = (await call(i.two, 'GET', '/v1/users', { tenant: i.tenant })).statusCode;
      }
      expect(status).toBe(200);
    },
  );

  it.skipIf(!REDIS_URL)(
    'sharing Redis: `npm run tenants -- suspend` reaches running instances at once',
    { timeout: 30_000 },
    async () => {
      const channel = `steadfast:test:tenants-cli:${process.pid}:${Date.now()}`;
      const i = await twoInstances({ REDIS_URL: REDIS_URL!, CACHE_INVALIDATION_CHANNEL: channel });
      const result = await runTs(['src/cli/tenants.ts', 'suspend', i.tenant.accountId], {
        DATABASE_URL: i.first.config.databaseUrl,
        REDIS_URL: REDIS_URL!,
        CACHE_INVALIDATION_CHANNEL: channel,
      });
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ status: 'suspended' });
      for (const app of [i.one, i.two]) {
        expectProblem(
          await refusedWithin(app, i.tenant.headers, PUBSUB_BOUND_MS),
          403,
          'account_suspended',
        );
      }
      const usage = await runTs(['src/cli/tenants.ts', 'archive', i.tenant.accountId], {
        DATABASE_URL: i.first.config.databaseUrl,
      });
      expect(usage.code).toBe(64);
    },
  );

  it('without Redis: the other instance follows within API_KEY_CACHE_TTL_MS, and a write meanwhile is never a 500', async () => {
    const i = await twoInstances({ API_KEY_CACHE_TTL_MS: '300' });
    expect((await act(i.one, i.tenant.accountId, 'delete')).statusCode).toBe(200);
    expectProblem(
      await call(i.one, 'GET', '/v1/users', { tenant: i.tenant }),
      401,
      'unauthenticated',
    );
    // Within the bound the other instance may still serve the tenant: its writes land whole in
    // the retained rows (the database never lost them), never as a foreign-key 500.
    const write = await call(i.two, 'POST', '/v1/users', {
      tenant: i.tenant,
      body: { email: uniqueEmail() },
    });
    expect([201, 401]).toContain(write.statusCode);
    // The documented bound: API_KEY_CACHE_TTL_MS (300 ms here).
    expectProblem(await refusedWithin(i.two, i.tenant.headers, 2_000), 401, 'unauthenticated');
  });
});
