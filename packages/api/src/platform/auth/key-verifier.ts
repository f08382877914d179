import type { Selectable } from 'kysely';
import type { ApiKeysTable } from '../../db/schema.js';
import { createInvalidatedCache, type CacheLookupObserver } from '../caching/invalidated-cache.js';
import { createMemoryBus, type InvalidationBus } from '../invalidation/bus.js';
import { hashKey, keyMatches, parseKey } from './api-keys.js';
import { parseScopes, type Scope } from './scopes.js';
import type { Principal } from './principal.js';

/** The columns of an api_keys row that verification reads. */
export type StoredKey = Pick<
  Selectable<ApiKeysTable>,
  'id' | 'account_id' | 'secret_hash' | 'mode' | 'scopes' | 'expires_at' | 'revoked_at'
>;

/** Where key rows live; the api-keys module implements it (platform never imports modules). */
export interface KeyStore {
  /** The key with this lookup prefix (one indexed probe), or undefined. */
  findByLookup(lookup: string): Promise<StoredKey | undefined>;
  /** Writes buffered last-used times (key id → ISO time), never moving a time backwards. */
  writeLastUsed(uses: Map<string, string>): Promise<void>;
}

export interface KeyVerifierOptions {
  store: KeyStore;
  /** How long a key row is trusted without re-reading it (API_KEY_CACHE_TTL_MS); 0 = no cache. */
  cacheTtlMs: number;
  /** Most key rows held in memory (API_KEY_CACHE_MAX); also bounds the negative cache. */
  cacheMax: number;
  /** How long "no key has this prefix" is remembered (API_KEY_NEGATIVE_CACHE_TTL_MS); 0 = off. */
  negativeCacheTtlMs?: number;
  /** Tells every instance to drop a revoked key's row; this process only when absent. */
  invalidation?: InvalidationBus;
  /** Counts cache hits and misses (steadfast_cache_requests_total{cache="api_key"}). */
  observe?: CacheLookupObserver;
}

/** The invalidation kind of cached key rows; the id is the key's lookup prefix. */
export const API_KEY_INVALIDATION = 'api_key';

/** A key row as verification needs it, scopes parsed once when the row is loaded, not per request. */
type CachedKey = Omit<StoredKey, 'scopes'> & {
  scopes: Scope[];
};

/** What an unknown prefix is compared against, so it costs the same digest work as a wrong secret. */
const ABSENT: CachedKey = {
  id: '',
  account_id: '',
  secret_hash: hashKey('no key has this lookup prefix'),
  mode: 'test',
  expires_at: null,
  revoked_at: null,
  scopes: [],
};

/**
 * Verifies API keys with a bounded, short-lived in-process cache of key rows (by lookup prefix),
 * so a hot key costs no query. Revocation drops the entry on this node at once and, through the
 * invalidation bus, on every other node (Redis pub/sub; API_KEY_CACHE_TTL_MS at worst). Expiry is
 * checked on every request against the cached time. Last-used times are buffered and
 * written in batches, never one write per request.
 *
 * Prefixes that match no key are remembered too, in a separate bounded cache (so a flood of
 * random prefixes cannot evict the real keys) for a short time, and dropped when a key with that
 * prefix is created. An unknown prefix then costs what a known prefix with a wrong secret costs:
 * no query and one constant-time digest comparison, so response time does not reveal which
 * prefixes exist, and guessing prefixes cannot load the database (issue 14, defect 6).
 */
export function createKeyVerifier(options: KeyVerifierOptions) {
  const common = {
    kind: API_KEY_INVALIDATION,
    max: options.cacheMax,
    // One bus for both caches, so one invalidation drops a prefix's row and its "absent" mark.
    invalidation: options.invalidation ?? createMemoryBus(),
    observe: options.observe,
  };
  const rows = createInvalidatedCache<CachedKey>({ ...common, ttlMs: options.cacheTtlMs });
  const absent = createInvalidatedCache<CachedKey>({
    ...common,
    ttlMs: options.negativeCacheTtlMs ?? 0,
    metricLabel: 'api_key_absent',
  });
  let pendingUses = new Map<string, string>();

  async function load(lookup: string): Promise<CachedKey> {
    const cached = rows.peek(lookup) ?? absent.peek(lookup);
    if (cached) return cached;
    const [rowsAt, absentAt] = [rows.generation(), absent.generation()];
    const row = await options.store.findByLookup(lookup);
    if (!row) {
      absent.store(lookup, ABSENT, absentAt);
      return ABSENT;
    }
    const entry: CachedKey = {
      id: row.id,
      account_id: row.account_id,
      secret_hash: row.secret_hash,
      mode: row.mode,
      scopes: parseScopes(row.scopes),
      expires_at: row.expires_at,
      revoked_at: row.revoked_at,
    };
    rows.store(lookup, entry, rowsAt);
    return entry;
  }

  return {
    /** Resolves a presented key to its principal, or null if unknown, revoked or expired. */
    async verify(presented: string, now = new Date()): Promise<Principal | null> {
      const parsed = parseKey(presented);
      // The key format is public, so refusing a malformed one early reveals nothing.
      if (!parsed) return null;
      const row = await load(parsed.lookup);
      // keyMatches compares SHA-256 digests in constant time; an unknown prefix compares too.
      if (!keyMatches(presented, row.secret_hash) || row === ABSENT) return null;
      if (row.mode !== parsed.mode) return null;
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
     * Drops what is cached under a key's prefix (after revoking or creating a key): at once on
     * this node, and on the others as soon as the invalidation reaches them. Never rejects.
     */
    invalidate(lookup: string): Promise<void> {
      // Both caches share the kind, so one message drops the row and the "absent" mark.
      return rows.invalidate(lookup);
    },

    /** Stops receiving invalidations (the bus may outlive the app). */
    close(): void {
      rows.close();
      absent.close();
    },

    /** Writes buffered last-used times; called on an interval and when the app closes. */
    async flushLastUsed(): Promise<void> {
      const uses = pendingUses;
      pendingUses = new Map();
      await options.store.writeLastUsed(uses);
    },
  };
}

export type KeyVerifier = ReturnType<typeof createKeyVerifier>;
