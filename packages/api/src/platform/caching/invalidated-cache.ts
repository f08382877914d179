import { LRUCache } from 'lru-cache';
import { createMemoryBus, type InvalidationBus } from '../invalidation/bus.js';

/** Counts each lookup of a cache as a hit or a miss (steadfast_cache_requests_total). */
export type CacheLookupObserver = (cache: string, result: 'hit' | 'miss') => void;

export interface InvalidatedCacheOptions {
  /** The invalidation kind (and, unless `metricLabel` says otherwise, the metric label). */
  kind: string;
  /** Most entries held in memory. */
  max: number;
  /** How long an entry is served without re-reading it; 0 turns the cache off (every read loads). */
  ttlMs: number;
  /** Tells every instance to drop a changed entry; this process only when absent. */
  invalidation?: InvalidationBus;
  observe?: CacheLookupObserver;
  /** The `cache` label of hits and misses, when it differs from `kind`. */
  metricLabel?: string;
}

/**
 * The one cache mechanism of the app: bounded (entries + TTL), in-process, dropped everywhere
 * through the invalidation bus. A TTL of 0 means "off" for every cache built on it; lru-cache
 * itself reads `ttl: 0` as "never expire", so it is never passed through (issue 14, defect 3).
 */
export function createInvalidatedCache<V extends object>(options: InvalidatedCacheOptions) {
  const enabled = options.ttlMs > 0;
  const cache = new LRUCache<string, V>({ max: options.max, ttl: Math.max(1, options.ttlMs) });
  const invalidation = options.invalidation ?? createMemoryBus();
  const label = options.metricLabel ?? options.kind;
  // Bumped by every invalidation: a value read before one arrived is not cached after it, or a
  // read racing a write would put the old value back until the TTL.
  let generation = 0;
  const unsubscribe = invalidation.subscribe(options.kind, {
    delete: (key) => {
      generation += 1;
      return cache.delete(key);
    },
    clear: () => {
      generation += 1;
      cache.clear();
    },
  });

  return {
    /** True when the cache holds anything at all (TTL > 0). */
    enabled,

    /** The cached value, or undefined (counted as a hit or a miss). */
    peek(key: string): V | undefined {
      if (!enabled) return undefined;
      const cached = cache.get(key);
      options.observe?.(label, cached === undefined ? 'miss' : 'hit');
      return cached;
    },

    /** The generation to pass to `store` after a load: a load overtaken by an invalidation is not kept. */
    generation: () => generation,

    /** Keeps `value` unless an invalidation arrived since `readAt` (a `generation()` taken before the read). */
    store(key: string, value: V, readAt: number): void {
      if (enabled && generation === readAt) cache.set(key, value);
    },

    /** The cached value, or what `load` reads (kept when found). Callers must not mutate it. */
    async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
      if (!enabled) return load();
      const cached = this.peek(key);
      if (cached !== undefined) return cached;
      const readAt = generation;
      const loaded = await load();
      if (loaded !== undefined) this.store(key, loaded, readAt);
      return loaded;
    },

    /** Drops the entry on every instance; call it after the change committed. Never rejects. */
    invalidate(key: string): Promise<void> {
      return invalidation.publish({ kind: options.kind, id: key });
    },

    /** Stops receiving invalidations and empties the cache (the app is closing). */
    close(): void {
      unsubscribe();
      cache.clear();
    },
  };
}

export type InvalidatedCache<V extends object> = ReturnType<typeof createInvalidatedCache<V>>;
