/**
 * The payment processor (URL, timeouts, retries, breaker) and the reconciliation of payments it
 * left open; one file because the reconciler's staleness must outlast the processor deadline.
 */
import { baseUrl, ConfigError, integer, parseHttpUrl, text, type Env } from './entry.js';

export const PAYMENT_PROCESSOR_URL = text('PAYMENT_PROCESSOR_URL', {
  type: 'absolute http(s) URL',
  defaultText: 'unset (built-in sandbox)',
  parse: (raw) => {
    // The value is not echoed: it may hold credentials.
    const url = parseHttpUrl('PAYMENT_PROCESSOR_URL', raw, true);
    if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
      // Credentials in the URL would end up in logs; a query would be lost when paths are appended.
      throw new ConfigError(
        'PAYMENT_PROCESSOR_URL',
        'must not hold credentials, a query or a hash',
      );
    }
    return baseUrl(url);
  },
  doc: 'Base URL of the payment processor (no credentials, query or hash). Unset: the process starts the [sandbox payment processor](#sandbox-payment-processor) on 127.0.0.1 and uses it.',
});

export const PROCESSOR_ATTEMPT_TIMEOUT_MS = integer('PROCESSOR_ATTEMPT_TIMEOUT_MS', {
  default: 2_000,
  min: 10,
  max: 120_000,
  doc: 'Longest one HTTP attempt to the processor may take.',
});

export const PROCESSOR_DEADLINE_MS = integer('PROCESSOR_DEADLINE_MS', {
  default: 8_000,
  min: 10,
  max: 600_000,
  doc: 'Longest one processor call may take, all attempts and backoff delays included; at least `PROCESSOR_ATTEMPT_TIMEOUT_MS`.',
});

export const PROCESSOR_MAX_ATTEMPTS = integer('PROCESSOR_MAX_ATTEMPTS', {
  default: 4,
  min: 1,
  max: 10,
  doc: 'Attempts per processor call, the first included. Only timeouts, 5xx answers and connection errors are retried.',
});

export const PROCESSOR_BREAKER_THRESHOLD = integer('PROCESSOR_BREAKER_THRESHOLD', {
  default: 5,
  min: 1,
  max: 1_000,
  doc: 'Consecutive failed attempts that open the circuit breaker; while open, calls fail at once.',
});

export const PROCESSOR_BREAKER_HALF_OPEN_MS = integer('PROCESSOR_BREAKER_HALF_OPEN_MS', {
  default: 10_000,
  min: 100,
  max: 600_000,
  doc: 'How long the circuit stays open before one trial call is let through.',
});

export const RECONCILE_INTERVAL_MS = integer('RECONCILE_INTERVAL_MS', {
  default: 60_000,
  min: 1_000,
  max: 86_400_000,
  doc: 'How often each instance reconciles open payments and refunds.',
});

export const RECONCILE_STALE_AFTER_MS = integer('RECONCILE_STALE_AFTER_MS', {
  default: 120_000,
  min: 0,
  max: 86_400_000,
  doc: 'A `processing` payment (or `pending` refund) idle this long is presumed orphaned and reconciled. Must exceed `PROCESSOR_DEADLINE_MS`, so a call still in flight is never taken for orphaned; `0` reconciles every open payment at once (tests, or a one-off `npm run reconcile` while no instance runs).',
});

export const processorEntries = [
  PAYMENT_PROCESSOR_URL,
  PROCESSOR_ATTEMPT_TIMEOUT_MS,
  PROCESSOR_DEADLINE_MS,
  PROCESSOR_MAX_ATTEMPTS,
  PROCESSOR_BREAKER_THRESHOLD,
  PROCESSOR_BREAKER_HALF_OPEN_MS,
  RECONCILE_INTERVAL_MS,
  RECONCILE_STALE_AFTER_MS,
];

export interface ProcessorConfig {
  /** Undefined: main.ts starts the sandbox. */
  url?: string;
  attemptTimeoutMs: number;
  deadlineMs: number;
  maxAttempts: number;
  breakerThreshold: number;
  breakerHalfOpenAfterMs: number;
}

function loadProcessor(env: Env): ProcessorConfig {
  const attemptTimeoutMs = PROCESSOR_ATTEMPT_TIMEOUT_MS.read(env);
  const deadlineMs = PROCESSOR_DEADLINE_MS.read(env);
  if (deadlineMs < attemptTimeoutMs) {
    throw new ConfigError(
      'PROCESSOR_DEADLINE_MS',
      'must not be less than PROCESSOR_ATTEMPT_TIMEOUT_MS',
    );
  }
  return {
    url: PAYMENT_PROCESSOR_URL.read(env),
    attemptTimeoutMs,
    deadlineMs,
    maxAttempts: PROCESSOR_MAX_ATTEMPTS.read(env),
    breakerThreshold: PROCESSOR_BREAKER_THRESHOLD.read(env),
    breakerHalfOpenAfterMs: PROCESSOR_BREAKER_HALF_OPEN_MS.read(env),
  };
}

export function loadPayments(env: Env) {
  const processor = loadProcessor(env);
  const reconcileStaleAfterMs = RECONCILE_STALE_AFTER_MS.read(env);
  // Reconciling a payment whose call is still running would race the call's own outcome.
  if (reconcileStaleAfterMs !== 0 && reconcileStaleAfterMs <= processor.deadlineMs) {
    throw new ConfigError(
      'RECONCILE_STALE_AFTER_MS',
      `must exceed PROCESSOR_DEADLINE_MS (${processor.deadlineMs}), or be 0, got ${reconcileStaleAfterMs}`,
    );
  }
  return {
    processor,
    payments: { reconcileIntervalMs: RECONCILE_INTERVAL_MS.read(env), reconcileStaleAfterMs },
  };
}
