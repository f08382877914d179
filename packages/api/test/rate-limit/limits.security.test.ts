import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, type Tenant } from '../support/app.js';
import { expectProblem } from '../support/http.js';
import { expectRateLimited, fields, startLimitedApp, type ClockedApp } from './support.js';

const GUESS = `Bearer sk_test_${'0'.repeat(60)}`;

describe('authentication failures per client address', () => {
  let t: ClockedApp;
  let valid: Tenant;
  beforeAll(async () => {
    t = await startLimitedApp({ RATE_LIMIT_API_KEY_QUOTA: '100' });
    valid = await createTestTenant(t);
  });
  afterAll(() => t.close());

  const get = (remoteAddress: string, authorization?: string, url = '/v1/users') =>
    t.app.inject({
      method: 'GET',
      url,
      remoteAddress,
      headers: authorization ? { authorization } : {},
    });

  it('a key-guessing address gets 429 once its budget is spent, even with a valid key; others are unaffected', async () => {
    const guesser = '203.0.113.7';
    for (const expected of [2, 1, 0]) {
      const response = await get(guesser, GUESS);
      expectProblem(response, 401, 'unauthenticated');
      expect(response.headers['ratelimit-policy']).toBe('"auth_failures";q=3;w=60');
      expect(fields(response.headers.ratelimit).auth_failures!.r).toBe(expected);
    }

    // Refused before the credential is looked at: no SQL runs for a key never seen before.
    const unseen = await createTestTenant(t, 'unseen');
    const queriesBefore = t.queries();
    const blocked = await get(guesser, unseen.headers.authorization);
    expect(expectRateLimited(blocked, 'auth_failures')).toBe(20);
    expect(blocked.headers['www-authenticate']).toBeUndefined();
    expect(t.queries()).toBe(queriesBefore);

    const elsewhere = await get('198.51.100.20', unseen.headers.authorization);
    expect(elsewhere.statusCode).toBe(200);
    // Public routes stay open to the blocked address: the gate guards credentials only.
    expect((await get(guesser, undefined, '/v1/openapi.json')).statusCode).toBe(200);

    t.advance(20);
    expect((await get(guesser, valid.headers.authorization)).statusCode).toBe(200);
  });

  it('missing credentials count as failures too; successes do not', async () => {
    const address = '203.0.113.8';
    for (let i = 0; i < 10; i++) {
      expect((await get(address, valid.headers.authorization)).statusCode).toBe(200);
    }
    for (let i = 0; i < 3; i++) expectProblem(await get(address), 401, 'unauthenticated');
    expectRateLimited(await get(address, valid.headers.authorization), 'auth_failures');
  });

  it('counts IPv6 clients per /64, since one subscriber can rotate through a whole /64', async () => {
    for (const address of ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::3']) {
      expectProblem(await get(address, GUESS), 401, 'unauthenticated');
    }
    expectRateLimited(
      await get('2001:db8:1:2:abcd::9', valid.headers.authorization),
      'auth_failures',
    );
    expect((await get('2001:db8:1:3::1', valid.headers.authorization)).statusCode).toBe(200);
  });
});

describe('unauthenticated requests per client address', () => {
  let t: ClockedApp;
  beforeAll(async () => {
    t = await startLimitedApp();
  });
  afterAll(() => t.close());

  const get = (remoteAddress: string, url: string) =>
    t.app.inject({ method: 'GET', url, remoteAddress });

  it('public routes and unknown paths share one budget per address', async () => {
    const address = '192.0.2.50';
    const urls = ['/v1/openapi.json', '/problems/not_found', '/nowhere', '/v1/openapi.json'];
    for (const [index, url] of urls.entries()) {
      const response = await get(address, url);
      expect(fields(response.headers.ratelimit).ip!.r).toBe(3 - index);
    }
    expect(expectRateLimited(await get(address, '/nowhere'), 'ip')).toBe(15);
    expect((await get('192.0.2.51', '/v1/openapi.json')).statusCode).toBe(200);
    expect((await get(address, '/livez')).statusCode).toBe(200);
    t.advance(15);
    expect((await get(address, '/v1/openapi.json')).statusCode).toBe(200);
  });

  it('behind a trusted proxy, the address is the forwarded client, not the proxy', async () => {
    const proxied = await startLimitedApp({ TRUST_PROXY: '10.0.0.1' });
    try {
      const via = (client: string) =>
        proxied.app.inject({
          method: 'GET',
          url: '/v1/openapi.json',
          remoteAddress: '10.0.0.1',
          headers: { 'x-forwarded-for': client },
        });
      for (let i = 0; i < 4; i++) expect((await via('192.0.2.1')).statusCode).toBe(200);
      expectRateLimited(await via('192.0.2.1'), 'ip');
      expect((await via('192.0.2.2')).statusCode).toBe(200);
    } finally {
      await proxied.close();
    }
  });
});
