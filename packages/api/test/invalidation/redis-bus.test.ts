import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBus, type InvalidationBus } from '../../src/platform/invalidation/bus.js';
import { createRedisBus } from '../../src/platform/invalidation/redis-bus.js';
import { startRedisProxy } from '../rate-limit/redis-proxy.js';

const REDIS_URL = process.env.REDIS_URL;
if (!REDIS_URL) {
  process.stdout.write(
    '\n[steadfast] Redis invalidation suites SKIPPED: REDIS_URL is not set. ' +
      '`bash .ci/run` starts Redis and sets it.\n\n',
  );
}

/** A cache that records what the bus asked of it, and lets a test await the next call. */
function recordingCache() {
  const deleted: string[] = [];
  let clears = 0;
  const waiters: (() => void)[] = [];
  const notify = () => waiters.splice(0).forEach((resolve) => resolve());
  return {
    deleted,
    clears: () => clears,
    delete(id: string) {
      deleted.push(id);
      notify();
      return true;
    },
    clear() {
      clears += 1;
      notify();
    },
    /** Resolves at the first call for which `condition` holds; rejects after `ms`. */
    async until(condition: () => boolean, ms = 3_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 50);
        });
      }
    },
  };
}

describe('in-process invalidation (one instance, no Redis)', () => {
  it('drops the entry from every cache of the kind, and only of that kind', async () => {
    const bus = createMemoryBus();
    const keys = recordingCache();
    const otherKeys = recordingCache();
    const orders = recordingCache();
    bus.subscribe('api_key', keys);
    bus.subscribe('api_key', otherKeys);
    const unsubscribe = bus.subscribe('order', orders);
    await bus.ready();
    await bus.publish({ kind: 'api_key', id: 'abc' });
    unsubscribe();
    await bus.publish({ kind: 'order', id: 'ord_1' });
    expect(keys.deleted).toEqual(['abc']);
    expect(otherKeys.deleted).toEqual(['abc']);
    expect(orders.deleted).toEqual([]);
  });
});

describe.skipIf(!REDIS_URL)('invalidation through Redis pub/sub', () => {
  /** Each test gets its own channel, so parallel runs never see each other's messages. */
  const channel = () => `steadfast:test:inv:${process.pid}:${Math.random().toString(36).slice(2)}`;
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n'))
          if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    }),
  );
  const buses: InvalidationBus[] = [];
  const bus = async (name: string, url = REDIS_URL!) => {
    const created = createRedisBus({ url, channel: name, commandTimeoutMs: 250, log });
    buses.push(created);
    return created;
  };
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });

  it('an invalidation published on one instance reaches the other; the sender applies it once', async () => {
    const name = channel();
    const [one, two] = [await bus(name), await bus(name)];
    const [cacheOne, cacheTwo] = [recordingCache(), recordingCache()];
    one.subscribe('api_key', cacheOne);
    two.subscribe('api_key', cacheTwo);
    await Promise.all([one.ready(), two.ready()]);

    await one.publish({ kind: 'api_key', id: 'lookup1' });
    // Applied locally before publish() resolved, whatever Redis does.
    expect(cacheOne.deleted).toEqual(['lookup1']);
    await cacheTwo.until(() => cacheTwo.deleted.includes('lookup1'));

    // Messages on one channel arrive in order: once `two`'s message reached `one`, its own earlier
    // message did too, and was skipped (not applied twice).
    await two.publish({ kind: 'api_key', id: 'lookup2' });
    await cacheOne.until(() => cacheOne.deleted.includes('lookup2'));
    expect(cacheOne.deleted).toEqual(['lookup1', 'lookup2']);
    expect(cacheTwo.deleted).toEqual(['lookup1', 'lookup2']);
  });

  it('ignores malformed messages and keeps listening', async () => {
    const name = channel();
    const listener = await bus(name);
    const cache = recordingCache();
    listener.subscribe('api_key', cache);
    await listener.ready();
    const raw = new Redis(REDIS_URL!);
    try {
      for (const text of ['not json', '{"kind":"api_key"}', 'null', '{"kind":1,"id":"x"}'])
        await raw.publish(name, text);
      await raw.publish(name, JSON.stringify({ kind: 'api_key', id: 'good', origin: 'other' }));
    } finally {
      await raw.quit();
    }
    await cache.until(() => cache.deleted.length > 0);
    expect(cache.deleted).toEqual(['good']);
    expect(lines.some((line) => line.event === 'cache.invalidation_malformed')).toBe(true);
  });

  it('after losing its connection, an instance empties its caches once it listens again', async () => {
    const proxy = await startRedisProxy(REDIS_URL!);
    try {
      const name = channel();
      const listener = await bus(name, proxy.url);
      const cache = recordingCache();
      listener.subscribe('api_key', cache);
      await listener.ready();
      const clearsBefore = cache.clears();

      // Invalidations sent while it is cut off are lost to it; the reset on resubscribing is
      // what keeps its cache from serving those rows until their TTL.
      proxy.sever();
      await cache.until(() => cache.clears() > clearsBefore, 5_000);

      // And it receives invalidations again.
      const sender = await bus(name);
      await sender.ready();
      await sender.publish({ kind: 'api_key', id: 'after' });
      await cache.until(() => cache.deleted.includes('after'));
    } finally {
      await proxy.close();
    }
  });

  it('Redis unreachable: publish still applies locally, never rejects, and logs a warning', async () => {
    const proxy = await startRedisProxy(REDIS_URL!);
    const url = proxy.url;
    await proxy.close();
    const lonely = await bus(channel(), url);
    const cache = recordingCache();
    lonely.subscribe('api_key', cache);
    await lonely.ready();
    await expect(lonely.publish({ kind: 'api_key', id: 'k' })).resolves.toBeUndefined();
    expect(cache.deleted).toEqual(['k']);
    expect(lines.some((line) => line.event === 'cache.invalidation_publish_failed')).toBe(true);
  });
});
