/**
 * Cache invalidation across instances. An in-process cache (API key rows, single-resource GETs)
 * registers under a `kind`; whoever changes the underlying row publishes `{ kind, id }`, and every
 * instance drops that entry. `createMemoryBus` below serves one instance; redis-bus.ts fans out
 * to N through Redis pub/sub. How late another instance can serve a stale entry is documented
 * in docs/staging.md ("How fresh is a cache").
 */

/** One changed resource: the cache `kind` it lives in and the cache key to drop. */
export interface Invalidation {
  kind: string;
  id: string;
}

/**
 * What the bus needs of a cache; an LRUCache from lru-cache satisfies it as is. `delete` drops one
 * entry, `clear` drops everything (when invalidations may have been missed).
 */
export interface InvalidatableCache {
  delete(id: string): unknown;
  clear(): void;
}

export interface InvalidationBus {
  /**
   * Drops `id` from this instance's caches of `kind` at once, then tells the other instances.
   * Never rejects: when the others cannot be told, their entries expire by TTL (and the failure
   * is logged), which is the documented worst case.
   */
  publish(message: Invalidation): Promise<void>;
  /** Registers a cache under `kind`; returns the function that unregisters it. */
  subscribe(kind: string, cache: InvalidatableCache): () => void;
  /** Resolves once the bus receives invalidations, or gave up waiting for now; never rejects. */
  ready(): Promise<void>;
  close(): Promise<void>;
}

/** The caches registered per kind, and delivery to them; both buses are built on it. */
export function createCacheRegistry() {
  const caches = new Map<string, Set<InvalidatableCache>>();
  return {
    subscribe: (kind: string, cache: InvalidatableCache): (() => void) => {
      const set = caches.get(kind) ?? new Set<InvalidatableCache>();
      caches.set(kind, set);
      set.add(cache);
      return () => {
        set.delete(cache);
      };
    },
    /** Drops one entry from every cache of its kind; unknown kinds are ignored. */
    deliver: (message: Invalidation): void => {
      for (const cache of caches.get(message.kind) ?? []) cache.delete(message.id);
    },
    /** Empties every registered cache. */
    clearAll: (): void => {
      for (const set of caches.values()) for (const cache of set) cache.clear();
    },
  };
}

/** Invalidation within this process only: right for one instance (no REDIS_URL). */
export function createMemoryBus(): InvalidationBus {
  const registry = createCacheRegistry();
  return {
    publish: async (message) => registry.deliver(message),
    subscribe: registry.subscribe,
    ready: async () => undefined,
    close: async () => undefined,
  };
}
