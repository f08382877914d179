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

describe.each(stores)('users: refusals (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp(store);
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('email is unique per account, case-insensitively (409), on create and on update', async () => {
    const email = uniqueEmail('dup');
    expect((await call(t.app, 'POST', '/v1/users', { tenant, body: { email } })).statusCode).toBe(
      201,
    );
    expectProblem(
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: email.toUpperCase() } }),
      409,
      'email_taken',
    );
    const other = (
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail('other') } })
    ).json<{ id: string }>();
    expectProblem(
      await call(t.app, 'PATCH', `/v1/users/${other.id}`, { tenant, body: { email } }),
      409,
      'email_taken',
    );
    // The same email in another account is fine.
    const second = await createTestTenant(t, 'second');
    expect(
      (await call(t.app, 'POST', '/v1/users', { tenant: second, body: { email } })).statusCode,
    ).toBe(201);
  });

  it('rejects bad emails, empty names and empty patches', async () => {
    const bad = expectProblem(
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: 'not-an-email' } }),
      400,
      'validation_failed',
    );
    expect(bad.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/email' })]);
    expectProblem(
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail(), name: '' } }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call(t.app, 'POST', '/v1/users', {
        tenant,
        body: { email: `${'a'.repeat(250)}@example.com` },
      }),
      400,
      'validation_failed',
    );
    const created = (
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail() } })
    ).json<{ id: string }>();
    expectProblem(
      await call(t.app, 'PATCH', `/v1/users/${created.id}`, { tenant, body: {} }),
      400,
      'validation_failed',
    );
  });

  it('a missing user is 404 on every verb', async () => {
    const id = 'usr_01jdq3z7x8k2m4n6p8r0s2t4v6';
    expectProblem(await call(t.app, 'GET', `/v1/users/${id}`, { tenant }), 404, 'not_found');
    expectProblem(
      await call(t.app, 'PATCH', `/v1/users/${id}`, { tenant, body: { name: 'x' } }),
      404,
      'not_found',
    );
    expectProblem(
      await call(t.app, 'PATCH', `/v1/users/${id}`, {
        tenant,
        headers: { 'if-match': '"v1"' },
        body: { name: 'x' },
      }),
      404,
      'not_found',
    );
    expectProblem(await call(t.app, 'DELETE', `/v1/users/${id}`, { tenant }), 404, 'not_found');
  });

  it('a user with orders cannot be deleted (409) and stays', async () => {
    const user = (
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail() } })
    ).json<{ id: string }>();
    await call(t.app, 'POST', '/v1/orders', {
      tenant,
      body: {
        user_id: user.id,
        currency: 'USD',
        items: [{ name: 'x', quantity: 1, unit_amount: 1 }],
      },
    });
    expectProblem(
      await call(t.app, 'DELETE', `/v1/users/${user.id}`, { tenant }),
      409,
      'user_has_orders',
    );
    expect((await call(t.app, 'GET', `/v1/users/${user.id}`, { tenant })).statusCode).toBe(200);
  });

  it('a weak or foreign ETag in If-Match never matches (412); a malformed one is 400', async () => {
    const user = (
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail() } })
    ).json<{ id: string }>();
    expectProblem(
      await call(t.app, 'PATCH', `/v1/users/${user.id}`, {
        tenant,
        headers: { 'if-match': 'W/"v1"' },
        body: { name: 'x' },
      }),
      412,
      'precondition_failed',
    );
    expectProblem(
      await call(t.app, 'PATCH', `/v1/users/${user.id}`, {
        tenant,
        headers: { 'if-match': 'garbage' },
        body: { name: 'x' },
      }),
      400,
      'validation_failed',
    );
  });

  it('a tampered cursor is 400 invalid_cursor', async () => {
    expectProblem(
      await call(t.app, 'GET', '/v1/users?starting_after=abc', { tenant }),
      400,
      'invalid_cursor',
    );
    const foreign = Buffer.from('c1:ord_01jdq41m2n3p4q5r6s7t8v9w0x').toString('base64url');
    expectProblem(
      await call(t.app, 'GET', `/v1/users?starting_after=${foreign}`, { tenant }),
      400,
      'invalid_cursor',
    );
  });
});
