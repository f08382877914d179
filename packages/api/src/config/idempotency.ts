/** Idempotency-Key records (README "Idempotency"). */
import { ConfigError, integer, type Env } from './entry.js';
import { HANDLER_TIMEOUT_MS } from './timeouts.js';

export const IDEMPOTENCY_TTL_HOURS = integer('IDEMPOTENCY_TTL_HOURS', {
  default: 24,
  min: 1,
  max: 24 * 30,
  doc: 'How long an `Idempotency-Key` and its recorded answer are kept. See [Idempotency](#idempotency).',
});

export const IDEMPOTENCY_LOCK_TIMEOUT_MS = integer('IDEMPOTENCY_LOCK_TIMEOUT_MS', {
  default: 60_000,
  min: 1_000,
  max: 3_600_000,
  doc: 'Age after which a request still in flight under a key is presumed crashed, so a retry may take the key over and resume. Must exceed `HANDLER_TIMEOUT_MS`, which bounds every request, processor calls included.',
});

export const IDEMPOTENCY_PURGE_INTERVAL_MS = integer('IDEMPOTENCY_PURGE_INTERVAL_MS', {
  default: 600_000,
  min: 1_000,
  max: 86_400_000,
  doc: 'Interval of the job that deletes expired keys, in batches.',
});

export const idempotencyEntries = [
  IDEMPOTENCY_TTL_HOURS,
  IDEMPOTENCY_LOCK_TIMEOUT_MS,
  IDEMPOTENCY_PURGE_INTERVAL_MS,
];

export function loadIdempotency(env: Env) {
  const lockTimeoutMs = IDEMPOTENCY_LOCK_TIMEOUT_MS.read(env);
  // A lock that expires while its request still runs lets a retry execute the request twice.
  if (lockTimeoutMs <= HANDLER_TIMEOUT_MS.read(env)) {
    throw new ConfigError('IDEMPOTENCY_LOCK_TIMEOUT_MS', 'must exceed HANDLER_TIMEOUT_MS');
  }
  return {
    ttlHours: IDEMPOTENCY_TTL_HOURS.read(env),
    lockTimeoutMs,
    purgeIntervalMs: IDEMPOTENCY_PURGE_INTERVAL_MS.read(env),
  };
}

export type IdempotencyConfig = ReturnType<typeof loadIdempotency>;
