import { LRUCache } from 'lru-cache';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { CacheLookupObserver } from '../caching/resource-cache.js';
import { createMemoryBus, type InvalidationBus } from '../invalidation/bus.js';
import { keyMatches, parseKey } from './api-keys.js';
import { findKeyByLookup, writeLastUsed, type ApiKeyRow } from './key-store.js';
import { parseScopes, type Scope } from './scopes.js';
import type { Principal } from './principal.js';

export interface KeyVerifierOptions {
  db: Kysely<Database>;
  /** How long a key row is trusted without re-reading it (API_KEY_CACHE_TTL_MS). */
  cacheTtlMs: number;
  /** Most key rows held in memory (API_KEY_CACHE_MAX). */
  cacheMax: number;
  /** Tells every instance to drop a revoked key's row; this process only when absent. */
  invalidation?: InvalidationBus;
  /** Counts cache hits and misses (steadfast_cache_requests_total{cache="api_key"}). */
  observe?: CacheLookupObserver;
}

/** The invalidation kind of cached key rows; the id is the key's lookup prefix. */
export const API_KEY_INVALIDATION = 'api_key';

/** A key row as verification needs it, scopes parsed once when the row is loaded, not per request. */
type CachedKey = Pick<
  ApiKeyRow,
  'id' | 'account_id' | 'secret_hash' | 'mode' | 'expires_at' | 'revoked_at'
> & {
  scopes: Scope[];
};

/**
 * Verifies API keys with a bounded, short-lived in-process cache of key rows (by lookup prefix),
 * so a hot key costs no query. Revocation drops the entry on this node at once and, through the
 * invalidation bus, on every other node (Redis pub/sub; API_KEY_CACHE_TTL_MS at worst). Expiry is
 * checked on every request against the cached time. Last-used times are buffered and
 * written in batches, never one write per request.
 */
export function createKeyVerifier(options: KeyVerifierOptions) {
  const cache = new LRUCache<string, CachedKey>({ max: options.cacheMax, ttl: options.cacheTtlMs });
  const invalidation = options.invalidation ?? createMemoryBus();
  // Bumped by every invalidation: a row read before one arrived is not cached after it, or a
  // lookup racing a revocation would put the unrevoked row back until the TTL.
  let generation = 0;
  const unsubscribe = invalidation.subscribe(API_KEY_INVALIDATION, {
    delete: (lookup) => {
      generation += 1;
      return cache.delete(lookup);
    },
    clear: () => {
      generation += 1;
      cache.clear();
    },
  });
  let pendingUses = new Map<string, string>();

  async function load(lookup: string): Promise<CachedKey | undefined> {
    const cached = cache.get(lookup);
    options.observe?.(API_KEY_INVALIDATION, cached ? 'hit' : 'miss');
    if (cached) return cached;
    const readAt = generation;
    const row = await findKeyByLookup(options.db, lookup);
    if (!row) return undefined;
    const entry: CachedKey = {
      id: row.id,
      account_id: row.account_id,
      secret_hash: row.secret_hash,
      mode: row.mode,
      scopes: parseScopes(row.scopes),
      expires_at: row.expires_at,
      revoked_at: row.revoked_at,
    };
    if (generation === readAt) cache.set(lookup, entry);
    return entry;
  }

  return {
    /** Resolves a presented key to its principal, or null if unknown, revoked or expired. */
    async verify(presented: string, now = new Date()): Promise<Principal | null> {
      const parsed = parseKey(presented);
      // The key format is public, so refusing a malformed one early reveals nothing.
      if (!parsed) return null;
      const row = await load(parsed.lookup);
      // keyMatches compares SHA-256 digests in constant time.
      if (!row || !keyMatches(presented, row.secret_hash) || row.mode !== parsed.mode) return null;
      if (row.revoked_at !== null && new Date(row.revoked_at) <= now) return null;
      if (row.expires_at !== null && new Date(row.expires_at) <= now) return null;
      pendingUses.set(row.id, now.toISOString());
      return {
        kind: 'api_key',
        accountId: row.account_id,
        keyId: row.id,
        mode: row.mode,
        scopes: row.scopes,
      };
    },

    /**
     * Drops a key's cached row (after revoking it): at once on this node, and on the others as
     * soon as the invalidation reaches them. Never rejects.
     */
    invalidate(lookup: string): Promise<void> {
      return invalidation.publish({ kind: API_KEY_INVALIDATION, id: lookup });
    },

    /** Stops receiving invalidations (the bus may outlive the app). */
    close(): void {
      unsubscribe();
      cache.clear();
    },

    /** Writes buffered last-used times; called on an interval and when the app closes. */
    async flushLastUsed(): Promise<void> {
      const uses = pendingUses;
      pendingUses = new Map();
      await writeLastUsed(options.db, uses);
    },
  };
}

export type KeyVerifier = ReturnType<typeof createKeyVerifier>;
