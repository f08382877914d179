/** In-process caches of single orders and users, and the channel that invalidates them. */
import { integer, redisName, type Env } from './entry.js';

export const RESOURCE_CACHE_TTL_MS = integer('RESOURCE_CACHE_TTL_MS', {
  default: 10_000,
  min: 0,
  max: 3_600_000,
  doc: 'Longest a cached order or user is served to `GET /v1/orders/{id}` and `GET /v1/users/{id}` (`0` turns these caches off); bounds staleness only if an invalidation is lost.',
});

export const RESOURCE_CACHE_MAX = integer('RESOURCE_CACHE_MAX', {
  default: 10_000,
  min: 1,
  max: 1_000_000,
  doc: 'Most orders, and most users, cached per process.',
});

export const LIST_CACHE_MAX_BYTES = integer('LIST_CACHE_MAX_BYTES', {
  default: 32 * 1024 * 1024,
  defaultText: '`33554432` (32 MiB)',
  min: 0,
  max: 2 ** 34,
  doc: "Most bytes of list pages (users, orders, payments, refunds) cached per process (`0` turns the list cache off). A page is never served after a committed change to the account's listed rows, on any instance: see [operations](docs/operations.md#the-list-cache).",
});

export const CACHE_INVALIDATION_CHANNEL = redisName('CACHE_INVALIDATION_CHANNEL', {
  default: 'steadfast:invalidate',
  doc: "Redis pub/sub channel on which instances evict each other's stale cache entries. See [docs/staging.md](docs/staging.md#how-fresh-is-a-cache).",
});

export const cachingEntries = [
  RESOURCE_CACHE_TTL_MS,
  RESOURCE_CACHE_MAX,
  LIST_CACHE_MAX_BYTES,
  CACHE_INVALIDATION_CHANNEL,
];

export function loadCaching(env: Env) {
  return {
    cacheInvalidationChannel: CACHE_INVALIDATION_CHANNEL.read(env),
    resourceCache: { ttlMs: RESOURCE_CACHE_TTL_MS.read(env), max: RESOURCE_CACHE_MAX.read(env) },
    listCache: { maxBytes: LIST_CACHE_MAX_BYTES.read(env) },
  };
}
