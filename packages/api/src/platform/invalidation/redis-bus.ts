import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { Redis } from 'ioredis';
import { createRedisClient } from '../rate-limit/redis-store.js';
import { createCacheRegistry, type Invalidation, type InvalidationBus } from './bus.js';

export interface RedisBusOptions {
  url: string;
  /** CACHE_INVALIDATION_CHANNEL: the pub/sub channel every instance of one deployment shares. */
  channel: string;
  /**
   * REDIS_COMMAND_TIMEOUT_MS: a publish never holds the request that revoked a key for longer
   * than twice it (it may wait for the auto-pipelined batch in flight before its own timeout).
   */
  commandTimeoutMs: number;
  log: FastifyBaseLogger;
  /** Longest ready() waits for the first subscription before the app starts anyway. */
  readyTimeoutMs?: number;
}

/** On the wire: the invalidation plus the sending instance, which already applied it itself. */
interface WireMessage extends Invalidation {
  origin: string;
}

const MAX_KIND_LENGTH = 64;
const MAX_ID_LENGTH = 256;
/** An outage would otherwise log one line per reconnect attempt; one per interval says the same. */
const WARNING_INTERVAL_MS = 5_000;

function decode(text: string): WireMessage | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const { kind, id, origin } = (value ?? {}) as Record<string, unknown>;
  const valid =
    typeof kind === 'string' &&
    typeof id === 'string' &&
    typeof origin === 'string' &&
    kind.length > 0 &&
    kind.length <= MAX_KIND_LENGTH &&
    id.length <= MAX_ID_LENGTH;
  return valid ? { kind, id, origin } : undefined;
}

function throttled(log: FastifyBaseLogger) {
  let lastAt = -Infinity;
  return (fields: Record<string, unknown>, message: string) => {
    if (Date.now() - lastAt < WARNING_INTERVAL_MS) return;
    lastAt = Date.now();
    log.warn(fields, message);
  };
}

/**
 * Invalidation for N instances through Redis pub/sub. A publish drops the entry locally first (so
 * the instance that made the change never serves the old row, whatever Redis does), then sends
 * `{ kind, id, origin }` on the channel; each other instance drops the entry when the message
 * arrives, typically within a millisecond of the PUBLISH.
 *
 * Pub/sub delivers at most once, and only to connected subscribers: a message sent while an
 * instance's subscriber is disconnected is lost. So each time the subscription is (re)established
 * every registered cache is emptied, and until then entries expire by their TTL. The subscriber
 * has its own connection (a subscribed connection can run no other command) that reconnects in
 * the background; the publisher fails fast, like the rate-limit client.
 */
export function createRedisBus(options: RedisBusOptions): InvalidationBus {
  const { channel, log } = options;
  const origin = randomUUID();
  const registry = createCacheRegistry();
  const warnPublisher = throttled(log);
  const warnSubscriber = throttled(log);
  // Its own throttle: connection errors must not hide the first failed publish.
  const warnPublish = throttled(log);
  const publisher = createRedisClient(
    { url: options.url, commandTimeoutMs: options.commandTimeoutMs },
    (error) => warnPublisher({ event: 'redis.error', err: error }, 'redis connection error'),
  );
  const subscriber = new Redis(options.url, {
    connectTimeout: Math.max(1_000, options.commandTimeoutMs),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // Resubscribing is done below, so that the caches are emptied once it has succeeded.
    autoResubscribe: false,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    lazyConnect: true,
  });
  subscriber.on('error', (error: Error) =>
    warnSubscriber({ event: 'redis.error', err: error }, 'redis subscriber connection error'),
  );

  let subscribed = false;
  let closing = false;
  const waiting = new Set<() => void>();
  subscriber.on('ready', () => {
    subscriber.subscribe(channel).then(
      () => {
        // Invalidations published while this instance was not listening are lost: drop all.
        registry.clearAll();
        subscribed = true;
        log.info(
          { event: 'cache.invalidation_subscribed', channel },
          'listening for invalidations',
        );
        for (const resolve of waiting) resolve();
        waiting.clear();
      },
      (error: unknown) => {
        warnSubscriber(
          { event: 'cache.invalidation_subscribe_failed', err: error },
          'could not subscribe to cache invalidations',
        );
        // Reconnecting runs this 'ready' handler again, so the subscription is retried.
        if (!closing) subscriber.disconnect(true);
      },
    );
  });
  subscriber.on('close', () => {
    if (subscribed && !closing) {
      log.warn(
        { event: 'cache.invalidation_disconnected', channel },
        'cache invalidations paused until Redis is back; caches fall back to their TTL',
      );
    }
    subscribed = false;
  });
  subscriber.on('message', (from: string, text: string) => {
    if (from !== channel) return;
    const message = decode(text);
    if (message === undefined) {
      warnSubscriber({ event: 'cache.invalidation_malformed', channel }, 'malformed invalidation');
      return;
    }
    if (message.origin !== origin) registry.deliver(message);
  });

  return {
    async publish(message) {
      registry.deliver(message);
      const wire: WireMessage = { kind: message.kind, id: message.id, origin };
      try {
        await publisher.publish(channel, JSON.stringify(wire));
      } catch (error) {
        warnPublish(
          { event: 'cache.invalidation_publish_failed', err: error, kind: message.kind },
          'could not tell other instances; their entry expires by TTL',
        );
      }
    },
    subscribe: registry.subscribe,
    ready() {
      // Failures reach the 'error' listeners, and reconnection continues on its own.
      if (publisher.status === 'wait') publisher.connect().catch(() => undefined);
      if (subscriber.status === 'wait') subscriber.connect().catch(() => undefined);
      if (subscribed) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          waiting.delete(done);
          resolve();
        };
        const timer = setTimeout(done, options.readyTimeoutMs ?? 2_000);
        waiting.add(done);
      });
    },
    async close() {
      closing = true;
      for (const client of [subscriber, publisher]) {
        // QUIT lets pending replies arrive; on a dead connection it fails fast and we just drop it.
        await client.quit().catch(() => undefined);
        client.disconnect();
      }
    },
  };
}
