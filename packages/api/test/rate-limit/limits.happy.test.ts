import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, uniqueEmail, type Tenant } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { expectRateLimited, fields, startLimitedApp, type ClockedApp } from './support.js';

describe('rate limits per API key', () => {
  let t: ClockedApp;
  beforeAll(async () => {
    t = await startLimitedApp();
  });
  afterAll(() => t.close());

  it('a burst from one key gets 429 with Retry-After and RateLimit fields; another key is unaffected', async () => {
    const [busy, quiet] = [await createTestTenant(t), await createTestTenant(t)];
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await call(t.app, 'GET', '/v1/users', { tenant: busy });
      expect(response.statusCode).toBe(200);
      expect(response.headers['ratelimit-policy']).toBe(
        '"api_key";q=5;w=60, "api_key_writes";q=2;w=60',
      );
      const limit = fields(response.headers.ratelimit);
      expect(limit.api_key_writes).toEqual({ r: 2, t: 0 });
      seen.push(limit.api_key!.r!);
      // t: until the bucket is full (one unit per 60/5 s); once empty, until the next unit.
      expect(limit.api_key!.t).toBe(i < 4 ? 12 * (i + 1) : 12);
    }
    expect(seen).toEqual([4, 3, 2, 1, 0]);

    const refused = await call(t.app, 'GET', '/v1/users', { tenant: busy });
    expect(expectRateLimited(refused, 'api_key')).toBe(12);
    expect(refused.headers['ratelimit-policy']).toBe(
      '"api_key";q=5;w=60, "api_key_writes";q=2;w=60',
    );

    const other = await call(t.app, 'GET', '/v1/users', { tenant: quiet });
    expect(other.statusCode).toBe(200);
    expect(fields(other.headers.ratelimit).api_key).toEqual({ r: 4, t: 12 });
  });

  it('recovers one request per emission interval, and fully after the window', async () => {
    const tenant = await createTestTenant(t);
    for (let i = 0; i < 5; i++) await call(t.app, 'GET', '/v1/users', { tenant });
    expectRateLimited(await call(t.app, 'GET', '/v1/users', { tenant }), 'api_key');

    t.advance(12);
    const again = await call(t.app, 'GET', '/v1/users', { tenant });
    expect(again.statusCode).toBe(200);
    expect(fields(again.headers.ratelimit).api_key!.r).toBe(0);
    expectRateLimited(await call(t.app, 'GET', '/v1/users', { tenant }), 'api_key');

    t.advance(60);
    const full = await call(t.app, 'GET', '/v1/users', { tenant });
    expect(fields(full.headers.ratelimit).api_key).toEqual({ r: 4, t: 12 });
  });

  it('writes hit the stricter write policy first, and a refused write spends no read budget', async () => {
    const tenant = await createTestTenant(t);
    const create = () =>
      call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail('rl') } });
    expect((await create()).statusCode).toBe(201);
    const second = await create();
    expect(second.statusCode).toBe(201);
    expect(fields(second.headers.ratelimit)).toEqual({
      api_key: { r: 3, t: 24 },
      api_key_writes: { r: 0, t: 30 },
    });

    const refused = await create();
    expect(expectRateLimited(refused, 'api_key_writes')).toBe(30);
    expect(fields(refused.headers.ratelimit).api_key).toEqual({ r: 3, t: 24 });

    // Reads still pass: the refused write did not spend from api_key either.
    const read = await call(t.app, 'GET', '/v1/users', { tenant });
    expect(read.statusCode).toBe(200);
    expect(fields(read.headers.ratelimit)).toEqual({
      api_key: { r: 2, t: 36 },
      api_key_writes: { r: 0, t: 30 },
    });
  });

  it('validation errors, 404s and 403s of an authenticated caller carry its fields too', async () => {
    const tenant = await createTestTenant(t);
    const invalid = await call(t.app, 'GET', '/v1/users?limit=ten', { tenant });
    expectProblem(invalid, 400, 'validation_failed');
    expect(fields(invalid.headers.ratelimit).api_key).toEqual({ r: 4, t: 12 });
    const missing = await call(t.app, 'GET', '/v1/users/usr_00000000000000000000000000', {
      tenant,
    });
    expect(missing.statusCode).toBe(404);
    expect(fields(missing.headers.ratelimit).api_key).toEqual({ r: 3, t: 24 });

    const readOnly = await scopedTenant(t, 'orders:read');
    const forbidden = await call(t.app, 'GET', '/v1/users', { tenant: readOnly });
    expectProblem(forbidden, 403, 'insufficient_scope');
    expect(fields(forbidden.headers.ratelimit).api_key).toEqual({ r: 5, t: 0 });
  });
});

describe('rate-limit fields on public routes', () => {
  let t: ClockedApp;
  beforeAll(async () => {
    t = await startLimitedApp({ RATE_LIMIT_IP_QUOTA: '100' });
  });
  afterAll(() => t.close());

  it.each([
    ['the OpenAPI document', 'GET', '/v1/openapi.json', 200],
    ['a problem page', 'GET', '/problems/rate_limited', 200],
    ['an unknown route', 'GET', '/nowhere', 404],
    ['a wrong method', 'DELETE', '/v1/openapi.json', 405],
    ['a request without credentials', 'GET', '/v1/orders', 401],
  ] as const)('%s carries RateLimit-Policy and RateLimit', async (_label, method, url, status) => {
    const response = await call(t.app, method, url);
    expect(response.statusCode).toBe(status);
    const policy = fields(response.headers['ratelimit-policy']);
    const limit = fields(response.headers.ratelimit);
    expect(Object.keys(limit)).toEqual(Object.keys(policy));
    expect(Object.keys(policy)).toEqual([status === 401 ? 'auth_failures' : 'ip']);
  });

  it('health probes are never limited and carry no rate-limit fields', async () => {
    for (let i = 0; i < 150; i++) {
      const response = await call(t.app, 'GET', i % 2 ? '/livez' : '/readyz');
      expect(response.statusCode).toBe(200);
      expect(response.headers.ratelimit).toBeUndefined();
    }
  });
});

/** A tenant whose key carries only `scope` (set before its first use, so no cache holds it). */
async function scopedTenant(t: ClockedApp, scope: string): Promise<Tenant> {
  const tenant = await createTestTenant(t, 'scoped');
  await t.db.kysely
    .updateTable('api_keys')
    .set({ scopes: scope })
    .where('account_id', '=', tenant.accountId)
    .execute();
  return tenant;
}
