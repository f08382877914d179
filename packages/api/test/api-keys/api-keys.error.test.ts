import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

describe.each(stores)('API keys: refusals (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp(store);
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('rejects unknown scopes, duplicates, empty scope lists and past expiry', async () => {
    for (const body of [
      { name: 'x', scopes: ['root'] },
      { name: 'x', scopes: ['users:read', 'users:read'] },
      { name: 'x', scopes: [] },
      { name: '' },
      { name: 'x', expires_at: 'tomorrow' },
    ]) {
      expectProblem(
        await call(t.app, 'POST', '/v1/api_keys', { tenant, body }),
        400,
        'validation_failed',
      );
    }
    const past = expectProblem(
      await call(t.app, 'POST', '/v1/api_keys', {
        tenant,
        body: { name: 'x', expires_at: '2020-01-01T00:00:00Z' },
      }),
      400,
      'validation_failed',
    );
    expect(past.errors).toEqual([
      { in: 'body', pointer: '/expires_at', detail: 'must be in the future' },
    ]);
  });

  it('a key cannot mint a key with more scopes than it has, nor manage keys without api_keys:manage', async () => {
    const reader = (
      await call(t.app, 'POST', '/v1/api_keys', {
        tenant,
        body: { name: 'r', scopes: ['users:read', 'api_keys:manage'] },
      })
    ).json<{
      secret: string;
    }>();
    const headers = { authorization: `Bearer ${reader.secret}` };
    expectProblem(
      await call(t.app, 'POST', '/v1/api_keys', {
        headers,
        body: { name: 'escalate', scopes: ['users:write'] },
      }),
      403,
      'insufficient_scope',
    );
    const inherited = await call(t.app, 'POST', '/v1/api_keys', {
      headers,
      body: { name: 'same' },
    });
    expect(inherited.json<{ scopes: string[] }>().scopes).toEqual([
      'users:read',
      'api_keys:manage',
    ]);

    const plain = (
      await call(t.app, 'POST', '/v1/api_keys', {
        tenant,
        body: { name: 'p', scopes: ['orders:read'] },
      })
    ).json<{ secret: string }>();
    const response = await call(t.app, 'GET', '/v1/api_keys', {
      headers: { authorization: `Bearer ${plain.secret}` },
    });
    expectProblem(response, 403, 'insufficient_scope');
    expect(response.headers['www-authenticate']).toContain('scope="api_keys:manage"');
  });

  it('a missing key is 404; another tenant cannot see or revoke keys', async () => {
    expectProblem(
      await call(t.app, 'POST', '/v1/api_keys/key_01jdq52a3b4c5d6e7f8g9h0j1k/revoke', { tenant }),
      404,
      'not_found',
    );
    const other = await createTestTenant(t, 'other');
    const theirs = (
      await call(t.app, 'POST', '/v1/api_keys', { tenant: other, body: { name: 'theirs' } })
    ).json<{ id: string; secret: string }>();
    expectProblem(
      await call(t.app, 'POST', `/v1/api_keys/${theirs.id}/revoke`, { tenant }),
      404,
      'not_found',
    );
    const mine = (await call(t.app, 'GET', '/v1/api_keys?limit=100', { tenant })).json<{
      data: { id: string }[];
    }>().data;
    expect(mine.map((k) => k.id)).not.toContain(theirs.id);
    expect(
      (
        await call(t.app, 'GET', '/v1/users', {
          headers: { authorization: `Bearer ${theirs.secret}` },
        })
      ).statusCode,
    ).toBe(200);
  });
});
