import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
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

/*
 * Issue 20 §3, §4, §5. The clock is faked for Date only (jose, the key set and the tokens all read
 * Date.now), so "the provider has been down for 11 minutes" takes no time; sockets and timers are
 * real, and so is the JWKS endpoint the app fetches from.
 */

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const MINUTE = 60_000;

describe('JWKS fetching under an identity provider outage', () => {
  let t: TestApp;
  let tenant: Tenant;
  let jwks: JwksServer;
  let key: SigningKey;

  const start = async (env: Record<string, string> = {}) => {
    key = await signingKey('key-1');
    jwks = await startJwks([key.publicJwk]);
    t = await startApp('sqlite', {
      JWT_JWKS_URL: jwks.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_JWKS_COOLDOWN_MS: '1000',
      JWT_JWKS_MAX_BACKOFF_MS: '60000',
      ...env,
    });
    tenant = await createTestTenant(t);
  };
  const get = async (token: string) => call(t.app, 'GET', '/v1/users', { headers: bearer(token) });
  const advance = (ms: number) => vi.setSystemTime(Date.now() + ms);
  const metric = async (name: string) => {
    const text = await t.app.metrics.registry.metrics();
    const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  };

  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['Date'], now: new Date('2026-12-07T03:00:00Z') });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await t?.close();
    await jwks?.close();
  });

  it('fetches once, not once per request, while the provider answers 500 — and backs off (§3)', async () => {
    await start();
    jwks.failing(true);
    const random = () => accessToken({ ...key, kid: randomUUID() }, tenant.accountId);

    const burst = await Promise.all(Array.from({ length: 60 }, async () => get(await random())));
    for (const response of burst) expectProblem(response, 503, 'service_unavailable');
    expect(jwks.fetches()).toBe(1);
    for (let i = 0; i < 20; i += 1)
      expectProblem(await get(await random()), 503, 'service_unavailable');
    expect(jwks.fetches()).toBe(1);

    // The wait grows after each failure: 1 s, then 2 s (each with up to 20% jitter below).
    advance(1_001);
    await get(await random());
    expect(jwks.fetches()).toBe(2);
    advance(1_001);
    await get(await random());
    expect(jwks.fetches()).toBe(2);
    advance(1_000);
    await get(await random());
    expect(jwks.fetches()).toBe(3);
    expect(await metric('steadfast_jwks_fetches_total{outcome="failure"}')).toBe(3);

    jwks.failing(false);
    advance(4_001);
    expect((await get(await accessToken(key, tenant.accountId))).statusCode).toBe(200);
    expect(jwks.fetches()).toBe(4);
  });

  it('keeps serving the last good key set while the provider is down, up to JWT_JWKS_MAX_STALE_SECONDS (§4)', async () => {
    await start({ JWT_JWKS_MAX_STALE_SECONDS: String(24 * 3600) });
    expect((await get(await accessToken(key, tenant.accountId))).statusCode).toBe(200);
    expect(jwks.fetches()).toBe(1);
    jwks.failing(true);

    advance(11 * MINUTE);
    // The first request after the refresh age revalidates in the background and is not held up.
    expect((await get(await accessToken(key, tenant.accountId))).statusCode).toBe(200);
    await vi.waitUntil(() => jwks.fetches() === 2);
    const concurrent = await Promise.all(
      Array.from({ length: 20 }, async () => get(await accessToken(key, tenant.accountId))),
    );
    expect(concurrent.map((r) => r.statusCode)).toEqual(Array(20).fill(200));

    const ready = await call(t.app, 'GET', '/readyz');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ok',
      checks: { database: 'ok' },
      degraded: { jwks: expect.stringMatching(/^stale: .* 660 s ago$/) },
    });
    expect(await metric('steadfast_jwks_stale')).toBe(1);
    expect(await metric('steadfast_jwks_key_set_age_seconds')).toBe(660);
    expect(await metric('steadfast_jwks_max_stale_seconds')).toBe(86_400);

    advance(23 * 60 * MINUTE);
    expect((await get(await accessToken(key, tenant.accountId))).statusCode).toBe(200);
    advance(60 * MINUTE);
    const expired = await get(await accessToken(key, tenant.accountId));
    expectProblem(expired, 503, 'service_unavailable');
    expect(expired.headers['retry-after']).toBe('5');

    jwks.failing(false);
    advance(2 * MINUTE);
    expect((await get(await accessToken(key, tenant.accountId))).statusCode).toBe(200);
    expect((await call(t.app, 'GET', '/readyz')).json()).toEqual({
      status: 'ok',
      checks: { database: 'ok' },
    });
    expect(await metric('steadfast_jwks_stale')).toBe(0);
  });

  it('a key published during rotation works on its first use; unknown-kid 401s do not lock the client out (§5)', async () => {
    await start({ JWT_JWKS_COOLDOWN_MS: '5000', RATE_LIMIT_AUTH_FAILURE_QUOTA: '3' });
    expect((await get(await accessToken(key, tenant.accountId))).statusCode).toBe(200);
    const rotated = await signingKey('key-2');
    advance(6_000);
    jwks.publish([key.publicJwk, rotated.publicJwk]);

    const first = await Promise.all(
      Array.from({ length: 10 }, async () => get(await accessToken(rotated, tenant.accountId))),
    );
    expect(first.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
    expect(jwks.fetches()).toBe(2);

    // Within the floor an unknown kid is refused without a fetch, and never counts as a failed login.
    const unpublished = await signingKey('key-3');
    for (let i = 0; i < 10; i += 1) {
      const refused = await get(await accessToken(unpublished, tenant.accountId));
      expectProblem(refused, 401, 'unauthenticated');
    }
    expect(jwks.fetches()).toBe(2);
    expect((await get(await accessToken(rotated, tenant.accountId))).statusCode).toBe(200);
    expect(await metric('steadfast_auth_failures_total{reason="unknown_signing_key"}')).toBe(10);

    // Once published and past the floor, the next use refetches at once.
    jwks.publish([rotated.publicJwk, unpublished.publicJwk]);
    advance(5_001);
    expect((await get(await accessToken(unpublished, tenant.accountId))).statusCode).toBe(200);
    expect(jwks.fetches()).toBe(3);
  });

  it('a token from another issuer never makes the app fetch the JWKS', async () => {
    await start();
    const before = jwks.fetches();
    const foreign = await accessToken({ ...key, kid: 'other' }, tenant.accountId, {
      iss: 'https://evil.test/',
    });
    for (let i = 0; i < 5; i += 1) expectProblem(await get(foreign), 401, 'unauthenticated');
    expect(jwks.fetches()).toBe(before);
  });
});
