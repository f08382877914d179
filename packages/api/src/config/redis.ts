/** Redis, shared by N instances for rate limits and cache invalidation; in memory when unset. */
import { ConfigError, integer, text, type Env } from './entry.js';

export interface RedisConfig {
  /** `redis://` or `rediss://` (TLS) URL. */
  url: string;
  /** Upper bound for one Redis command, so a sick Redis cannot stall requests. */
  commandTimeoutMs: number;
}

export const REDIS_URL = text('REDIS_URL', {
  type: '`redis://…` or `rediss://…` URL',
  parse: (raw) => {
    let valid = /^rediss?:\/\//.test(raw);
    try {
      new URL(raw);
    } catch {
      valid = false;
    }
    if (!valid) throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
    return raw;
  },
  doc: '`rediss://` is TLS. Set it when more than one instance runs: rate limits and cache invalidations are then shared through Redis. Unset, each process keeps them in memory. A password in it is masked in the start-up log.',
});

export const REDIS_COMMAND_TIMEOUT_MS = integer('REDIS_COMMAND_TIMEOUT_MS', {
  default: 250,
  min: 10,
  max: 10_000,
  doc: 'Longest one Redis command may take before the request goes on as `RATE_LIMIT_ON_STORE_ERROR` says.',
});

export const redisEntries = [REDIS_URL, REDIS_COMMAND_TIMEOUT_MS];

export function loadRedis(env: Env): RedisConfig | undefined {
  const url = REDIS_URL.read(env);
  if (url === undefined) return undefined;
  return { url, commandTimeoutMs: REDIS_COMMAND_TIMEOUT_MS.read(env) };
}
