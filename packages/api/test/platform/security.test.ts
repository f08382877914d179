import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  startApp,
  stores,
  uniqueEmail,
  type Tenant,
  type TestApp,
} from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { seedOrder, seedUser } from '../support/seed.js';

describe.each(stores)('tenant isolation and authentication (%s)', (store) => {
  let t: TestApp;
  let owner: Tenant;
  let intruder: Tenant;
  let userId: string;
  let orderId: string;

  beforeAll(async () => {
    t = await startApp(store);
    owner = await createTestTenant(t, 'owner');
    intruder = await createTestTenant(t, 'intruder');
    userId = await seedUser(t, owner);
    orderId = (await seedOrder(t, owner, userId)).id;
  });
  afterAll(() => t.close());

  const snapshot = async () => ({
    user: await t.db.kysely
      .selectFrom('users')
      .selectAll()
      .where('id', '=', userId)
      .executeTakeFirst(),
    order: await t.db.kysely
      .selectFrom('orders')
      .selectAll()
      .where('id', '=', orderId)
      .executeTakeFirst(),
  });

  it("another tenant's ids answer 404 on every verb and change nothing", async () => {
    const before = await snapshot();
    const attempts = [
      call(t.app, 'GET', `/v1/users/${userId}`, { tenant: intruder }),
      call(t.app, 'PATCH', `/v1/users/${userId}`, { tenant: intruder, body: { name: 'pwned' } }),
      call(t.app, 'PATCH', `/v1/users/${userId}`, {
        tenant: intruder,
        headers: { 'if-match': '*' },
        body: { name: 'pwned' },
      }),
      call(t.app, 'DELETE', `/v1/users/${userId}`, { tenant: intruder }),
      call(t.app, 'GET', `/v1/orders/${orderId}`, { tenant: intruder }),
      call(t.app, 'POST', `/v1/orders/${orderId}/cancel`, { tenant: intruder }),
      call(t.app, 'POST', `/v1/orders/${orderId}/cancel`, {
        tenant: intruder,
        headers: { 'if-match': '"v1"' },
      }),
    ];
    for (const response of await Promise.all(attempts)) expectProblem(response, 404, 'not_found');
    expect(await snapshot()).toEqual(before);
  });

  it("another tenant's data never appears in lists or filters", async () => {
    const users = (await call(t.app, 'GET', '/v1/users?limit=100', { tenant: intruder })).json<{
      data: { id: string }[];
    }>();
    expect(users.data.map((u) => u.id)).not.toContain(userId);
    const byUser = (
      await call(t.app, 'GET', `/v1/orders?user_id=${userId}`, { tenant: intruder })
    ).json<{ data: unknown[] }>();
    expect(byUser.data).toEqual([]);
    const email = (
      await t.db.kysely
        .selectFrom('users')
        .select('email')
        .where('id', '=', userId)
        .executeTakeFirstOrThrow()
    ).email;
    const byEmail = (
      await call(t.app, 'GET', `/v1/users?email=${encodeURIComponent(email)}`, { tenant: intruder })
    ).json<{ data: unknown[] }>();
    expect(byEmail.data).toEqual([]);
  });

  it("an order cannot be placed for another tenant's user", async () => {
    const response = await call(t.app, 'POST', '/v1/orders', {
      tenant: intruder,
      body: {
        user_id: userId,
        currency: 'EUR',
        items: [{ name: 'x', quantity: 1, unit_amount: 1 }],
      },
    });
    expectProblem(response, 400, 'validation_failed');
  });

  it.each([
    ['no header', undefined],
    ['wrong scheme', 'Basic dXNlcjpwYXNz'],
    ['not a key', 'Bearer hello'],
    ['unknown key', `Bearer sk_test_${'0'.repeat(60)}`],
  ])('refuses %s with 401 and WWW-Authenticate', async (_label, authorization) => {
    const response = await call(t.app, 'GET', '/v1/users', {
      headers: authorization ? { authorization } : {},
    });
    expectProblem(response, 401, 'unauthenticated');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="steadfast"/);
  });

  it('a tampered key (right lookup, wrong secret) is refused', async () => {
    const tampered = owner.key.slice(0, -4) + (owner.key.endsWith('0000') ? '1111' : '0000');
    expectProblem(
      await call(t.app, 'GET', '/v1/users', { headers: { authorization: `Bearer ${tampered}` } }),
      401,
      'unauthenticated',
    );
  });

  it('revoked and expired keys stop working at once', async () => {
    const revoked = await createTestTenant(t, 'revoked');
    expect((await call(t.app, 'GET', '/v1/users', { tenant: revoked })).statusCode).toBe(200);
    const [key] = (await call(t.app, 'GET', '/v1/api_keys', { tenant: revoked })).json<{
      data: { id: string }[];
    }>().data;
    const revocation = await call(t.app, 'POST', `/v1/api_keys/${key!.id}/revoke`, {
      tenant: revoked,
    });
    expect(revocation.statusCode).toBe(200);
    // The key row was cached by the requests above; revoking through this node drops it at once.
    expectProblem(
      await call(t.app, 'GET', '/v1/users', { tenant: revoked }),
      401,
      'unauthenticated',
    );

    const expired = await createTestTenant(t, 'expired');
    await t.db.kysely
      .updateTable('api_keys')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('account_id', '=', expired.accountId)
      .execute();
    expectProblem(
      await call(t.app, 'GET', '/v1/users', { tenant: expired }),
      401,
      'unauthenticated',
    );
  });

  it('unauthenticated writes are refused before the body is read, and store nothing', async () => {
    const email = uniqueEmail('anon');
    expectProblem(
      await call(t.app, 'POST', '/v1/users', { body: { email } }),
      401,
      'unauthenticated',
    );
    expectProblem(
      await call(t.app, 'POST', '/v1/users', { body: '{broken' }),
      401,
      'unauthenticated',
    );
    expect(
      await t.db.kysely
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .executeTakeFirst(),
    ).toBeUndefined();
  });

  it('keys are stored only as hashes', async () => {
    const rows = await t.db.kysely
      .selectFrom('api_keys')
      .selectAll()
      .where('account_id', '=', owner.accountId)
      .execute();
    expect(JSON.stringify(rows)).not.toContain(owner.key);
    expect(rows[0]!.secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
