import { once } from 'node:events';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { createRedisClient, createRedisStore } from '../../src/platform/rate-limit/redis-store.js';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { freePort } from '../support/process.js';
import { startRedisProxy } from './redis-proxy.js';
import { TINY_LIMITS, expectRateLimited, fields } from './support.js';

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) {
  process.stdout.write(
    '\n[steadfast] Redis rate-limit suites SKIPPED: REDIS_URL is not set. ' +
      '`bash .ci/run` starts Redis and sets it.\n\n',
  );
}

/** Every key of this run lives under its own prefix, so runs never see each other's buckets. */
const PREFIX = `steadfast:test:${process.pid}:${Date.now()}:`;
/** A request to a sick Redis must come back within this, whatever the outage policy. */
const BOUNDED_MS = 2_000;

const timed = async <T>(request: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await request();
  expect(performance.now() - started).toBeLessThan(BOUNDED_MS);
  return result;
};

const warnedUnavailable = (t: TestApp) =>
  t.logs.some((line) => line.event === 'rate_limit.store_unavailable' && line.level === 'warn');

describe.skipIf(!REDIS_URL)('rate limits in Redis', () => {
  const started: TestApp[] = [];
  const start = async (env: Record<string, string>, overrides = {}) => {
    const t = await startApp(
      'sqlite',
      { ...TINY_LIMITS, RATE_LIMIT_REDIS_PREFIX: PREFIX, ...env },
      undefined,
      overrides,
    );
    started.push(t);
    return t;
  };
  afterEach(async () => {
    await Promise.all(started.splice(0).map((t) => t.close()));
  });
  afterAll(async () => {
    const redis = new Redis(REDIS_URL!);
    const keys = await redis.keys(`${PREFIX}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('two instances sharing one Redis enforce one limit per key and per address', async () => {
    const a = await start({ REDIS_URL: REDIS_URL! });
    const b: FastifyInstance = await buildApp(a.config, {
      db: a.db,
      logStream: new Writable({ write: (_chunk, _encoding, done) => done() }),
    });
    try {
      await b.ready();
      const tenant = await createTestTenant(a);
      const remaining: number[] = [];
      for (const app of [a.app, b, a.app, b, a.app]) {
        const response = await call(app, 'GET', '/v1/users', { tenant });
        expect(response.statusCode).toBe(200);
        remaining.push(fields(response.headers.ratelimit).api_key!.r!);
      }
      expect(remaining).toEqual([4, 3, 2, 1, 0]);
      expectRateLimited(await call(b, 'GET', '/v1/users', { tenant }), 'api_key');
      expectRateLimited(await call(a.app, 'GET', '/v1/users', { tenant }), 'api_key');

      const fromAddress = (app: FastifyInstance) =>
        app.inject({ method: 'GET', url: '/v1/openapi.json', remoteAddress: '192.0.2.99' });
      for (const app of [b, a.app, b, a.app]) expect((await fromAddress(app)).statusCode).toBe(200);
      expectRateLimited(await fromAddress(b), 'ip');
    } finally {
      await b.close();
    }
  });

  it('Redis unreachable, policy open: requests pass, a warning is logged, never a 500', async () => {
    const t = await start({
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      RATE_LIMIT_ON_STORE_ERROR: 'open',
    });
    const tenant = await createTestTenant(t);
    const ok = await timed(() => call(t.app, 'GET', '/v1/users', { tenant }));
    expect(ok.statusCode).toBe(200);
    // The policy is configuration, so it is still announced; what is left is unknown.
    expect(ok.headers['ratelimit-policy']).toContain('"api_key";q=5;w=60');
    expect(ok.headers.ratelimit).toBeUndefined();
    expect((await timed(() => call(t.app, 'GET', '/v1/openapi.json'))).statusCode).toBe(200);
    const guess = await timed(() =>
      call(t.app, 'GET', '/v1/users', { headers: { authorization: 'Bearer sk_test_nope' } }),
    );
    expectProblem(guess, 401, 'unauthenticated');
    expect(warnedUnavailable(t)).toBe(true);
  });

  it('Redis unreachable, policy closed: 503 problem+json with Retry-After; probes still answer', async () => {
    const t = await start({
      REDIS_URL: `redis://127.0.0.1:${await freePort()}`,
      RATE_LIMIT_ON_STORE_ERROR: 'closed',
    });
    const tenant = await createTestTenant(t);
    for (const request of [
      () => call(t.app, 'GET', '/v1/users', { tenant }),
      () => call(t.app, 'POST', '/v1/users', { tenant, body: { email: 'x@example.com' } }),
      () => call(t.app, 'GET', '/v1/openapi.json'),
      () => call(t.app, 'GET', '/nowhere'),
    ]) {
      const response = await timed(request);
      expectProblem(response, 503, 'service_unavailable');
      expect(response.headers['retry-after']).toBe('1');
    }
    expect((await call(t.app, 'GET', '/livez')).statusCode).toBe(200);
    expect(warnedUnavailable(t)).toBe(true);
  });

  describe('auto-pipelined decisions (one write per event-loop turn)', () => {
    const policy = { name: 'pipelined', quota: 50, windowSeconds: 3600 };
    const consume = [{ policy, mode: 'consume' as const }];

    it('200 concurrent decisions on one bucket admit exactly its quota, in a handful of writes', async () => {
      const client = createRedisClient({ url: REDIS_URL!, commandTimeoutMs: 2_000 }, () => {});
      try {
        const store = createRedisStore({ client, prefix: PREFIX });
        await store.ready();
        // Every command ioredis sends leaves through the socket's write: count them.
        const stream = (client as unknown as { stream: { write: (...args: unknown[]) => boolean } })
          .stream;
        const write = stream.write.bind(stream);
        let writes = 0;
        stream.write = (...args: unknown[]) => {
          writes += 1;
          return write(...args);
        };
        const subject = `pipelined:${Date.now()}`;
        const decisions = await Promise.all(
          Array.from({ length: 200 }, () => store.decide(subject, consume)),
        );
        expect(decisions.filter(([d]) => d!.allowed)).toHaveLength(50);
        expect(decisions.filter(([d]) => !d!.allowed)).toHaveLength(150);
        // Without auto-pipelining this is 200 writes, one per command.
        expect(writes).toBeLessThan(10);
      } finally {
        client.disconnect();
      }
    });

    it('after SCRIPT FLUSH (a Redis restart or failover) concurrent decisions reload the script and all answer', async () => {
      const client = createRedisClient({ url: REDIS_URL!, commandTimeoutMs: 2_000 }, () => {});
      const admin = new Redis(REDIS_URL!);
      try {
        const store = createRedisStore({ client, prefix: PREFIX });
        await store.ready();
        const subject = `flushed:${Date.now()}`;
        expect((await store.decide(subject, consume))[0]!.allowed).toBe(true);
        await admin.script('FLUSH');
        const decisions = await Promise.all(
          Array.from({ length: 30 }, (_, i) => store.decide(`${subject}:${i % 3}`, consume)),
        );
        expect(decisions.every(([d]) => d!.allowed)).toBe(true);
        // Each of the three buckets was spent once per decision, none twice, none lost.
        const [d] = await store.decide(`${subject}:0`, [{ policy, mode: 'peek' }]);
        expect(d!.remaining).toBe(50 - 10);
      } finally {
        client.disconnect();
        await admin.quit();
      }
    });

    it('Redis hangs: decisions issued while a batch is stuck fail within twice the command timeout', async () => {
      const proxy = await startRedisProxy(REDIS_URL!);
      const timeoutMs = 250;
      const client = createRedisClient({ url: proxy.url, commandTimeoutMs: timeoutMs }, () => {});
      try {
        const store = createRedisStore({ client, prefix: PREFIX });
        await store.ready();
        proxy.freeze();
        // One decision every 50 ms for 600 ms: each waits for the stuck batch before its own
        // (auto-pipelining sends one batch at a time), then for its own timeout, never longer.
        const waits = await Promise.all(
          Array.from({ length: 12 }, async (_, i) => {
            await new Promise((resolve) => setTimeout(resolve, i * 50));
            const started = performance.now();
            await expect(store.decide(`hang:${i}`, consume)).rejects.toThrow(/timed out/i);
            return performance.now() - started;
          }),
        );
        // 2 × timeout (about 500 ms), plus room for a loaded machine's timers; twelve decisions
        // waiting one after another would take about 3 s.
        expect(Math.max(...waits)).toBeLessThan(2 * timeoutMs + 700);
      } finally {
        client.disconnect();
        await proxy.close();
      }
    });
  });

  describe('Redis lost mid-test', () => {
    let tenant: Tenant;

    it('disconnected client, policy closed: 503 at once, then limits again after reconnecting', async () => {
      const client = createRedisClient({ url: REDIS_URL!, commandTimeoutMs: 250 }, () => {});
      try {
        const store = createRedisStore({ client, prefix: PREFIX });
        const t = await start({ RATE_LIMIT_ON_STORE_ERROR: 'closed' }, { rateLimitStore: store });
        tenant = await createTestTenant(t);
        const before = await call(t.app, 'GET', '/v1/users', { tenant });
        expect(fields(before.headers.ratelimit).api_key!.r).toBe(4);

        client.disconnect();
        expectProblem(
          await timed(() => call(t.app, 'GET', '/v1/users', { tenant })),
          503,
          'service_unavailable',
        );

        if (client.status !== 'end') await once(client, 'end');
        await client.connect();
        const after = await call(t.app, 'GET', '/v1/users', { tenant });
        expect(fields(after.headers.ratelimit).api_key!.r).toBe(3);
      } finally {
        client.disconnect();
      }
    });

    it.each(['open', 'closed'] as const)(
      'Redis hangs (connection open, no replies), policy %s: answered within the command timeout',
      async (policy) => {
        const proxy = await startRedisProxy(REDIS_URL!);
        try {
          const t = await start({ REDIS_URL: proxy.url, RATE_LIMIT_ON_STORE_ERROR: policy });
          tenant = await createTestTenant(t);
          const before = await call(t.app, 'GET', '/v1/users', { tenant });
          expect(fields(before.headers.ratelimit).api_key!.r).toBe(4);

          proxy.freeze();
          for (let i = 0; i < 3; i++) {
            const response = await timed(() => call(t.app, 'GET', '/v1/users', { tenant }));
            if (policy === 'open') expect(response.statusCode).toBe(200);
            else expectProblem(response, 503, 'service_unavailable');
          }
          expect(warnedUnavailable(t)).toBe(true);
        } finally {
          await proxy.close();
        }
      },
    );
  });
});
