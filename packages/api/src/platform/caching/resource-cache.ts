import { LRUCache } from 'lru-cache';
import { createMemoryBus, type InvalidationBus } from '../invalidation/bus.js';

/** Counts each lookup of a cache as a hit or a miss (steadfast_cache_requests_total). */
export type CacheLookupObserver = (cache: string, result: 'hit' | 'miss') => void;

export interface ResourceCacheOptions {
  /** The invalidation kind and metric label, e.g. `order`. */
  kind: string;
  /** Most entries held in memory. */
  max: number;
  /** How long an entry is served without re-reading it; 0 turns the cache off (every read loads). */
  ttlMs: number;
  /** Tells every instance to drop a changed entry; this process only when absent. */
  invalidation?: InvalidationBus;
  observe?: CacheLookupObserver;
}

/**
 * A bounded (entries + TTL) in-process cache of single resources for hot GETs, keyed by tenant and
 * id so one tenant's entry can never answer another's request. Writers call `invalidate` after
 * their change has committed: the entry is dropped here at once and on the other instances
 * through the invalidation bus; the TTL bounds staleness if a message is lost.
 */
export function createResourceCache<T extends object>(options: ResourceCacheOptions) {
  const enabled = options.ttlMs > 0;
  const cache = new LRUCache<string, T>({ max: options.max, ttl: Math.max(1, options.ttlMs) });
  const invalidation = options.invalidation ?? createMemoryBus();
  // Bumped by every invalidation: a row read before one arrived is not cached after it, or a read
  // racing a write would put the old row back until the TTL.
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
  const keyOf = (accountId: string, id: string) => `${accountId}:${id}`;

  return {
    /**
     * The cached resource, or what `load` reads (cached when found). Callers must not mutate the
     * value: it is shared by every request that hits.
     */
    async get(accountId: string, id: string, load: () => Promise<T | undefined>) {
      if (!enabled) return load();
      const key = keyOf(accountId, id);
      const cached = cache.get(key);
      options.observe?.(options.kind, cached === undefined ? 'miss' : 'hit');
      if (cached !== undefined) return cached;
      const readAt = generation;
      const loaded = await load();
      if (loaded !== undefined && generation === readAt) cache.set(key, loaded);
      return loaded;
    },

    /** Drops the entry everywhere; call it after the change committed. Never rejects. */
    invalidate(accountId: string, id: string): Promise<void> {
      return invalidation.publish({ kind: options.kind, id: keyOf(accountId, id) });
    },

    /** Stops receiving invalidations (the app is closing). */
    close: unsubscribe,
  };
}

export type ResourceCache<T extends object> = ReturnType<typeof createResourceCache<T>>;
