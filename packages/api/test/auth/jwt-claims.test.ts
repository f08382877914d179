import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import {
  accessToken,
  AUDIENCE,
  ISSUER,
  signingKey,
  startJwks,
  type JwksServer,
  type SigningKey,
} from '../support/jwks-server.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

describe('access-token claims beyond the signature (issue 20 §6, §7)', () => {
  let jwks: JwksServer;
  let key: SigningKey;
  let t: TestApp;
  let limited: TestApp;
  let tenant: Tenant;

  const env = () => ({
    JWT_JWKS_URL: jwks.url,
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    JWT_CLOCK_SKEW_SECONDS: '30',
  });

  beforeAll(async () => {
    key = await signingKey('key-1');
    jwks = await startJwks([key.publicJwk]);
    t = await startApp('sqlite', { ...env(), RATE_LIMIT_API_KEY_QUOTA: '3' });
    limited = await startApp('sqlite', { ...env(), JWT_MAX_TOKEN_LIFETIME_SECONDS: '3600' });
    tenant = await createTestTenant(t);
  });
  afterAll(async () => {
    await t.close();
    await limited.close();
    await jwks.close();
  });

  it('one tenant exhausting its quota leaves another tenant with the same `sub` untouched (§6)', async () => {
    const other = await createTestTenant(t, 'other');
    const tokenA = await accessToken(key, tenant.accountId, {}, 'svc-reporting');
    const tokenB = await accessToken(key, other.accountId, {}, 'svc-reporting');
    for (let i = 0; i < 3; i += 1) {
      expect((await call(t.app, 'GET', '/v1/users', { headers: bearer(tokenA) })).statusCode).toBe(
        200,
      );
    }
    expectProblem(
      await call(t.app, 'GET', '/v1/users', { headers: bearer(tokenA) }),
      429,
      'rate_limited',
    );
    const b = await call(t.app, 'GET', '/v1/users', { headers: bearer(tokenB) });
    expect(b.statusCode).toBe(200);
    expect(b.headers.ratelimit).toMatch(/r=2/);
  });

  it.each([
    ['a year ahead', 365 * 86_400, 401],
    ['beyond the skew', 90, 401],
    ['within the skew', 20, 200],
  ])('`iat` %s is judged against JWT_CLOCK_SKEW_SECONDS (§7)', async (_label, ahead, status) => {
    const other = await createTestTenant(t, 'iat');
    const token = await accessToken(key, other.accountId, {
      iat: now() + ahead,
      exp: now() + ahead + 300,
    });
    const response = await call(t.app, 'GET', '/v1/users', { headers: bearer(token) });
    if (status === 200) expect(response.statusCode).toBe(200);
    else expectProblem(response, 401, 'unauthenticated');
  });

  it('JWT_MAX_TOKEN_LIFETIME_SECONDS refuses long-lived tokens and tokens without `iat` (§7)', async () => {
    const owner = await createTestTenant(limited);
    const get = async (claims: Record<string, unknown>) =>
      call(limited.app, 'GET', '/v1/users', {
        headers: bearer(await accessToken(key, owner.accountId, claims)),
      });
    expect((await get({ exp: now() + 1800 })).statusCode).toBe(200);
    expectProblem(await get({ exp: now() + 7200 }), 401, 'unauthenticated');
    expectProblem(await get({ iat: undefined }), 401, 'unauthenticated');
    // Off by default: the same two-hour token passes the app without the setting.
    const free = await createTestTenant(t, 'free');
    const long = await accessToken(key, free.accountId, { exp: now() + 7200 });
    expect((await call(t.app, 'GET', '/v1/users', { headers: bearer(long) })).statusCode).toBe(200);
    expect(
      loadConfig({ JWT_JWKS_URL: jwks.url, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE }).jwt,
    ).toMatchObject({ maxTokenLifetimeSeconds: 0, jwksMaxStaleSeconds: 86_400 });
  });
});
