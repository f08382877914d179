import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/platform/rate-limit/memory-store.js';
import type { RateLimitStore } from '../../src/platform/rate-limit/store.js';
import { createTestTenant, startApp, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { TINY_LIMITS, fields } from './support.js';

/**
 * A store that decides synchronously (memory) and then starts failing: its decideNow throws, the
 * path the hooks take without a promise. The Redis suite covers the asynchronous failures.
 */
function failingSyncStore(): RateLimitStore & { fail: boolean } {
  const memory = createMemoryStore();
  const store = {
    fail: false,
    decideNow: (subject: string, checks: Parameters<RateLimitStore['decide']>[1]) => {
      if (store.fail) throw new Error('store lost its buckets');
      return memory.decideNow!(subject, checks);
    },
    decide: async (subject: string, checks: Parameters<RateLimitStore['decide']>[1]) =>
      store.decideNow(subject, checks),
    ready: () => memory.ready(),
    close: () => memory.close(),
  };
  return store;
}

describe('a rate-limit store that fails synchronously', () => {
  const started: TestApp[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((t) => t.close()));
  });
  const start = async (policy: 'open' | 'closed') => {
    const store = failingSyncStore();
    const t = await startApp(
      'sqlite',
      { ...TINY_LIMITS, RATE_LIMIT_ON_STORE_ERROR: policy },
      undefined,
      { rateLimitStore: store },
    );
    started.push(t);
    return { t, store, tenant: await createTestTenant(t) };
  };
  const warned = (t: TestApp) =>
    t.logs.filter((line) => line.event === 'rate_limit.store_unavailable').length;

  it('policy open: requests pass without a RateLimit field, one warning, never a 500', async () => {
    const { t, store, tenant } = await start('open');
    const before = await call(t.app, 'GET', '/v1/users', { tenant });
    expect(before.statusCode).toBe(200);
    expect(fields(before.headers.ratelimit).api_key!.r).toBe(4);
    store.fail = true;
    for (const url of ['/v1/users', '/v1/openapi.json', '/nowhere']) {
      const response = await call(t.app, 'GET', url, url === '/v1/users' ? { tenant } : {});
      expect(response.statusCode, url).toBeLessThan(500);
      expect(response.headers.ratelimit, url).toBeUndefined();
    }
    const guess = await call(t.app, 'GET', '/v1/users', {
      headers: { authorization: 'Bearer sk_test_nope' },
    });
    expectProblem(guess, 401, 'unauthenticated');
    expect(warned(t)).toBeGreaterThan(0);
    store.fail = false;
    const after = await call(t.app, 'GET', '/v1/users', { tenant });
    expect(fields(after.headers.ratelimit).api_key!.r).toBe(3);
  });

  it('policy closed: 503 problem+json with Retry-After, probes still answer', async () => {
    const { t, store, tenant } = await start('closed');
    store.fail = true;
    for (const request of [
      () => call(t.app, 'GET', '/v1/users', { tenant }),
      () => call(t.app, 'POST', '/v1/users', { tenant, body: { email: 'x@example.com' } }),
      () => call(t.app, 'GET', '/v1/openapi.json'),
    ]) {
      const response = await request();
      expectProblem(response, 503, 'service_unavailable');
      expect(response.headers['retry-after']).toBe('1');
    }
    expect((await call(t.app, 'GET', '/livez')).statusCode).toBe(200);
    expect(warned(t)).toBeGreaterThan(0);
  });
});
