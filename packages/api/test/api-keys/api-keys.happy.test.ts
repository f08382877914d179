import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

interface KeyView {
  id: string;
  secret?: string;
  scopes: string[];
  prefix: string;
  revoked_at: string | null;
  last_used_at: string | null;
  expires_at: string | null;
}

describe.each(stores)('API key lifecycle (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    // No webhook worker: its poll (a query every second) would land in a counted window.
    t = await startApp(store, { WEBHOOK_WORKER_ENABLED: 'false' });
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  const create = async (body: Record<string, unknown>) => {
    const response = await call(t.app, 'POST', '/v1/api_keys', { tenant, body });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<KeyView>();
  };
  const as = (secret: string) => ({ authorization: `Bearer ${secret}` });

  it('creates a key whose secret is shown once and stored only as a hash', async () => {
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const key = await create({ name: 'reporting', scopes: ['users:read'], expires_at: expiresAt });
    expect(key).toMatchObject({
      id: expect.stringMatching(/^key_/),
      object: 'api_key',
      name: 'reporting',
      mode: 'test',
      scopes: ['users:read'],
      expires_at: expiresAt,
      revoked_at: null,
      last_used_at: null,
      secret: expect.stringMatching(/^sk_test_[0-9a-f]{60}$/),
    });
    expect(key.secret!.startsWith(key.prefix)).toBe(true);
    const row = await t.db.kysely
      .selectFrom('api_keys')
      .selectAll()
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(key.secret);
    expect(row.scopes).toBe('users:read');

    // The new key works, within its scopes only.
    expect((await call(t.app, 'GET', '/v1/users', { headers: as(key.secret!) })).statusCode).toBe(
      200,
    );
    const forbidden = await call(t.app, 'POST', '/v1/users', {
      headers: as(key.secret!),
      body: { email: 'x@example.com' },
    });
    expectProblem(forbidden, 403, 'insufficient_scope');
    expect(forbidden.headers['www-authenticate']).toBe(
      'Bearer realm="steadfast", error="insufficient_scope", scope="users:write"',
    );
  });

  it('lists keys without their secrets', async () => {
    const key = await create({ name: 'listed' });
    const list = await call(t.app, 'GET', '/v1/api_keys?limit=100', { tenant });
    expect(list.statusCode).toBe(200);
    const data = list.json<{ data: KeyView[] }>().data;
    expect(data.map((k) => k.id)).toContain(key.id);
    expect(list.body).not.toContain(key.secret);
    expect(data.every((k) => !('secret' in k))).toBe(true);
  });

  it('revokes a key: it stops working at once, revoking again keeps the first time', async () => {
    const key = await create({ name: 'to revoke' });
    expect((await call(t.app, 'GET', '/v1/users', { headers: as(key.secret!) })).statusCode).toBe(
      200,
    );
    const revoked = await call(t.app, 'POST', `/v1/api_keys/${key.id}/revoke`, { tenant });
    expect(revoked.statusCode).toBe(200);
    const revokedAt = revoked.json<KeyView>().revoked_at;
    expect(revokedAt).toMatch(/Z$/);
    expectProblem(
      await call(t.app, 'GET', '/v1/users', { headers: as(key.secret!) }),
      401,
      'unauthenticated',
    );
    const again = await call(t.app, 'POST', `/v1/api_keys/${key.id}/revoke`, { tenant, body: {} });
    expect(again.json<KeyView>().revoked_at).toBe(revokedAt);
  });

  it('a key revoked in the database by another node is refused here within the cache TTL', async () => {
    const local = await startApp(store, { API_KEY_CACHE_TTL_MS: '50' });
    try {
      const own = await createTestTenant(local);
      expect((await call(local.app, 'GET', '/v1/users', { tenant: own })).statusCode).toBe(200);
      await local.db.kysely
        .updateTable('api_keys')
        .set({ revoked_at: new Date().toISOString() })
        .where('account_id', '=', own.accountId)
        .execute();
      await new Promise((resolve) => setTimeout(resolve, 80)); // the documented bound, API_KEY_CACHE_TTL_MS
      expectProblem(
        await call(local.app, 'GET', '/v1/users', { tenant: own }),
        401,
        'unauthenticated',
      );
    } finally {
      await local.close();
    }
  });

  it('an expired key stops working even while cached', async () => {
    const key = await create({
      name: 'short-lived',
      expires_at: new Date(Date.now() + 1_500).toISOString(),
    });
    expect((await call(t.app, 'GET', '/v1/users', { headers: as(key.secret!) })).statusCode).toBe(
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expectProblem(
      await call(t.app, 'GET', '/v1/users', { headers: as(key.secret!) }),
      401,
      'unauthenticated',
    );
  });

  it('records last use without a write per request, flushed in one batch', async () => {
    const key = await create({ name: 'busy' });
    await call(t.app, 'GET', '/v1/users', { headers: as(key.secret!) }); // loads the row into the cache
    const before = t.queries();
    for (let i = 0; i < 5; i++)
      await call(t.app, 'GET', '/v1/users?limit=1', { headers: as(key.secret!) });
    // Five list requests on a cached key: each reads its list generation, the first also the
    // list (the other four are list-cache hits); no key lookups, no writes.
    expect(t.queries() - before).toBe(6);
    await t.app.apiKeys.flushLastUsed();
    const row = await t.db.kysely
      .selectFrom('api_keys')
      .select('last_used_at')
      .where('id', '=', key.id)
      .executeTakeFirstOrThrow();
    expect(row.last_used_at).not.toBeNull();
    const listed = (await call(t.app, 'GET', '/v1/api_keys?limit=100', { tenant })).json<{
      data: KeyView[];
    }>().data;
    expect(listed.find((k) => k.id === key.id)?.last_used_at).toMatch(/Z$/);
  });
});
