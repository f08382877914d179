import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  startApp,
  stores,
  uniqueEmail,
  type Tenant,
  type TestApp,
} from '../support/app.js';
import { call } from '../support/http.js';
import { seedOrder, seedUser } from '../support/seed.js';
import { newKey, recordOf } from './support.js';

describe.each(stores)('idempotency: happy paths (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp(store);
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  const usersWithEmail = async (accountId: string, email: string) =>
    (
      await t.db.kysely
        .selectFrom('users')
        .select('id')
        .where('account_id', '=', accountId)
        .where('email', '=', email)
        .execute()
    ).length;

  it('a repeated POST /v1/users replays the first answer and creates one user', async () => {
    const key = newKey();
    const body = { email: uniqueEmail('idem'), name: 'Ada' };
    const headers = { 'idempotency-key': key };
    const first = await call(t.app, 'POST', '/v1/users', { tenant, body, headers });
    expect(first.statusCode, first.body).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await call(t.app, 'POST', '/v1/users', { tenant, body, headers });
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    expect(second.headers.etag).toBe(first.headers.etag);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['x-request-id']).not.toBe(first.headers['x-request-id']);
    expect(await usersWithEmail(tenant.accountId, body.email)).toBe(1);
    // The record committed with the user, in the same transaction (complete(), not the fallback).
    expect(await recordOf(t, tenant, key)).toMatchObject({
      status: 'completed',
      response_status: 201,
      locked_at: null,
    });
  });

  it('body key order does not matter: the fingerprint uses canonical JSON', async () => {
    const key = newKey();
    const email = uniqueEmail('canon');
    const headers = { 'idempotency-key': key };
    const first = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: `{"email":"${email}","name":"Ada"}`,
      headers,
    });
    const second = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: `{"name":"Ada","email":"${email}"}`,
      headers,
    });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
  });

  it('a repeated POST /v1/orders replays the order and creates one', async () => {
    const userId = await seedUser(t, tenant);
    const key = newKey();
    const body = {
      user_id: userId,
      currency: 'EUR',
      items: [{ name: 'Tea', quantity: 2, unit_amount: 350 }],
    };
    const headers = { 'idempotency-key': key };
    const first = await call(t.app, 'POST', '/v1/orders', { tenant, body, headers });
    const second = await call(t.app, 'POST', '/v1/orders', { tenant, body, headers });
    expect(first.statusCode, first.body).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
    expect(second.headers.location).toBe(first.headers.location);
    const orders = await t.db.kysely
      .selectFrom('orders')
      .select('id')
      .where('account_id', '=', tenant.accountId)
      .where('user_id', '=', userId)
      .execute();
    expect(orders).toHaveLength(1);
  });

  it('routes without complete() (cancel) are recorded after the handler and replayed', async () => {
    const order = await seedOrder(t, tenant, await seedUser(t, tenant));
    const headers = { 'idempotency-key': newKey() };
    const url = `/v1/orders/${order.id}/cancel`;
    const first = await call(t.app, 'POST', url, { tenant, body: {}, headers });
    const second = await call(t.app, 'POST', url, { tenant, body: {}, headers });
    expect(first.statusCode, first.body).toBe(200);
    // Without the key the second cancel would be 409 order_not_cancelable.
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
    expect(second.headers.etag).toBe(first.headers.etag);
  });

  it('a 4xx answer from the handler is recorded and replayed too', async () => {
    const email = uniqueEmail('taken');
    await call(t.app, 'POST', '/v1/users', { tenant, body: { email } });
    const headers = { 'idempotency-key': newKey() };
    const first = await call(t.app, 'POST', '/v1/users', { tenant, body: { email }, headers });
    const second = await call(t.app, 'POST', '/v1/users', { tenant, body: { email }, headers });
    expect(first.statusCode).toBe(409);
    expect(second.statusCode).toBe(409);
    expect(second.headers['content-type']).toBe(first.headers['content-type']);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.body).toBe(first.body);
  });

  it('is per tenant: the same key in two accounts gives two effects', async () => {
    const other = await createTestTenant(t, 'other');
    const key = newKey();
    const email = uniqueEmail('shared');
    const headers = { 'idempotency-key': key };
    const mine = await call(t.app, 'POST', '/v1/users', { tenant, body: { email }, headers });
    const theirs = await call(t.app, 'POST', '/v1/users', {
      tenant: other,
      body: { email },
      headers,
    });
    expect(mine.statusCode).toBe(201);
    expect(theirs.statusCode).toBe(201);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.json<{ id: string }>().id).not.toBe(mine.json<{ id: string }>().id);
    expect(await usersWithEmail(tenant.accountId, email)).toBe(1);
    expect(await usersWithEmail(other.accountId, email)).toBe(1);
  });

  it('non-POST requests ignore the header', async () => {
    const userId = await seedUser(t, tenant);
    const headers = { 'idempotency-key': newKey() };
    const url = `/v1/users/${userId}`;
    const first = await call(t.app, 'PATCH', url, { tenant, body: { name: 'One' }, headers });
    const second = await call(t.app, 'PATCH', url, { tenant, body: { name: 'Two' }, headers });
    expect(first.statusCode).toBe(200);
    expect(second.statusCode).toBe(200);
    expect(second.json<{ name: string }>().name).toBe('Two');
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    const read = await call(t.app, 'GET', url, { tenant, headers });
    expect(read.statusCode).toBe(200);
    expect(await recordOf(t, tenant, headers['idempotency-key'])).toBeUndefined();
  });

  it('a POST without a key works as before and stores nothing', async () => {
    const response = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: uniqueEmail('nokey') },
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('idempotency: OpenAPI', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp('sqlite');
  });
  afterAll(() => t.close());

  it('documents Idempotency-Key and its problems on every POST, and on nothing else', () => {
    type Op = {
      parameters?: { in: string; name: string; required?: boolean }[];
      responses: Record<string, { description: string }>;
    };
    const paths = t.app.swagger().paths as Record<string, Record<string, Op>>;
    let posts = 0;
    for (const [path, item] of Object.entries(paths)) {
      for (const [method, op] of Object.entries(item)) {
        const header = op.parameters?.find(
          (p) => p.in === 'header' && p.name === 'idempotency-key',
        );
        if (method !== 'post' || !/^\/v\d+\//.test(path)) {
          expect(header, `${method} ${path}`).toBeUndefined();
          continue;
        }
        posts += 1;
        expect(header, `${method} ${path}`).toBeDefined();
        expect(op.responses['409']?.description).toContain('`idempotency_request_in_progress`');
        expect(op.responses['422']?.description).toContain('`idempotency_key_reused`');
      }
    }
    expect(posts).toBeGreaterThanOrEqual(4);
  });
});
