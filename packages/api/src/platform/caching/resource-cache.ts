import type { InvalidationBus } from '../invalidation/bus.js';
import { createInvalidatedCache, type CacheLookupObserver } from './invalidated-cache.js';

export type { CacheLookupObserver } from './invalidated-cache.js';

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
 * A cache of single resources for hot GETs, keyed by tenant and id so one tenant's entry can never
 * answer another's request. Writers call `invalidate` after their change has committed: the entry
 * is dropped here at once and on the other instances through the invalidation bus; the TTL bounds
 * staleness if a message is lost.
 */
export function createResourceCache<T extends object>(options: ResourceCacheOptions) {
  const cache = createInvalidatedCache<T>(options);
  const keyOf = (accountId: string, id: string) => `${accountId}:${id}`;

  return {
    /**
     * The cached resource, or what `load` reads (cached when found). Callers must not mutate the
     * value: it is shared by every request that hits.
     */
    get: (accountId: string, id: string, load: () => Promise<T | undefined>) =>
      cache.get(keyOf(accountId, id), load),

    /** Drops the entry everywhere; call it after the change committed. Never rejects. */
    invalidate: (accountId: string, id: string): Promise<void> =>
      cache.invalidate(keyOf(accountId, id)),

    /** Stops receiving invalidations (the app is closing). */
    close: () => cache.close(),
  };
}

export type ResourceCache<T extends object> = ReturnType<typeof createResourceCache<T>>;
