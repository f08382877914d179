import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '../../src/platform/rate-limit/memory-store.js';
import type { Decision } from '../../src/platform/rate-limit/gcra.js';
import type { RateLimitStore } from '../../src/platform/rate-limit/store.js';
import { createTestTenant, startApp, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { TINY_LIMITS, fields } from './support.js';

type Checks = Parameters<RateLimitStore['decide']>[1];

/**
 * A memory store that starts failing on command, for the subjects `failing` selects (all, or
 * only the API keys' buckets, so the 401 gate per address still answers and the per-credential
 * hook is the one that fails). `sync`: it decides through `decideNow`, the path the hooks take
 * without a promise; otherwise only through an asynchronous `decide` that rejects, the path a
 * Redis store takes (the Redis suite covers a real one when REDIS_URL is set); `thenable`: its
 * `decide` answers with a thenable that is not a native promise.
 */
function failingStore(kind: 'sync' | 'async' | 'thenable') {
  const memory = createMemoryStore();
  const state = { fail: false, onlyKeys: false, calls: 0 };
  const decideNow = (subject: string, checks: Checks) => {
    state.calls += 1;
    if (state.fail && (!state.onlyKeys || subject.startsWith('key:')))
      throw new Error('store lost its buckets');
    return memory.decideNow!(subject, checks);
  };
  const store: RateLimitStore = {
    decide: async (subject, checks) => decideNow(subject, checks),
    ready: () => memory.ready(),
    close: () => memory.close(),
  };
  if (kind === 'sync') store.decideNow = decideNow;
  if (kind === 'thenable')
    store.decide = (subject, checks) => {
      const thenable = {
        then: (resolve: (value: Decision[]) => void, reject: (error: unknown) => void) => {
          setImmediate(() => {
            try {
              resolve(decideNow(subject, checks));
            } catch (error) {
              reject(error);
            }
          });
        },
      };
      return thenable as unknown as Promise<Decision[]>;
    };
  return { store, state };
}

describe.each(['sync', 'async', 'thenable'] as const)(
  'a rate-limit store that fails (%s)',
  (kind) => {
    const started: TestApp[] = [];
    afterEach(async () => {
      await Promise.all(started.splice(0).map((t) => t.close()));
    });
    const start = async (policy: 'open' | 'closed') => {
      const { store, state } = failingStore(kind);
      const t = await startApp(
        'sqlite',
        { ...TINY_LIMITS, RATE_LIMIT_ON_STORE_ERROR: policy },
        undefined,
        { rateLimitStore: store },
      );
      started.push(t);
      return { t, state, tenant: await createTestTenant(t) };
    };
    const warned = (t: TestApp) =>
      t.logs.filter((line) => line.event === 'rate_limit.store_unavailable').length;

    it('policy open: requests pass without a RateLimit field, the store is asked once, never a 500', async () => {
      const { t, state, tenant } = await start('open');
      const before = await call(t.app, 'GET', '/v1/users', { tenant });
      expect(before.statusCode).toBe(200);
      expect(fields(before.headers.ratelimit).api_key!.r).toBe(4);
      state.fail = true;
      for (const url of ['/v1/users', '/v1/openapi.json', '/nowhere']) {
        const calls = state.calls;
        const response = await call(t.app, 'GET', url, url === '/v1/users' ? { tenant } : {});
        expect(response.statusCode, url).toBeLessThan(500);
        expect(response.headers.ratelimit, url).toBeUndefined();
        // A failed store is not asked again for the same request (no second wait in onSend).
        expect(state.calls - calls, url).toBe(1);
      }
      const guess = await call(t.app, 'GET', '/v1/users', {
        headers: { authorization: 'Bearer sk_test_nope' },
      });
      expectProblem(guess, 401, 'unauthenticated');
      expect(warned(t)).toBeGreaterThan(0);
      state.fail = false;
      const after = await call(t.app, 'GET', '/v1/users', { tenant });
      expect(fields(after.headers.ratelimit).api_key!.r).toBe(3);
    });

    it('policy closed: 503 problem+json with Retry-After from either hook, probes still answer', async () => {
      const { t, state, tenant } = await start('closed');
      state.fail = true;
      for (const request of [
        () => call(t.app, 'GET', '/v1/users', { tenant }),
        () => call(t.app, 'POST', '/v1/users', { tenant, body: { email: 'x@example.com' } }),
        () => call(t.app, 'GET', '/v1/openapi.json'),
      ]) {
        const response = await request();
        expectProblem(response, 503, 'service_unavailable');
        expect(response.headers['retry-after']).toBe('1');
      }
      // Only the credential's buckets fail: the 401 gate per address answers, and the refusal
      // comes from the hook after authentication.
      state.onlyKeys = true;
      const calls = state.calls;
      const refused = await call(t.app, 'GET', '/v1/users', { tenant });
      expectProblem(refused, 503, 'service_unavailable');
      expect(refused.headers['retry-after']).toBe('1');
      expect(state.calls - calls).toBe(2);
      expect((await call(t.app, 'GET', '/livez')).statusCode).toBe(200);
      expect(warned(t)).toBeGreaterThan(0);
    });
  },
);
