/**
 * When the next attempt of a delivery is due (docs/webhooks.md "Retries"): exponential backoff
 * with full jitter, so receivers recovering from an outage are not hit by every sender at once.
 */
export interface RetryPolicy {
  maxAttempts: number;
  backoffBaseMs: number;
  backoffCapMs: number;
}

/** The longest wait before attempt `attempts + 1`: min(base × 2^(attempts-1), cap). */
export function backoffCeilingMs(policy: RetryPolicy, attempts: number): number {
  return Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** Math.max(0, attempts - 1));
}

/**
 * Milliseconds to wait after the `attempts`-th failed attempt, or undefined when none is left.
 * `retryAfterMs` (from a 429/503 `Retry-After`) is honoured, up to the cap.
 */
export function nextDelayMs(
  policy: RetryPolicy,
  attempts: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  if (attempts >= policy.maxAttempts) return undefined;
  const jittered = Math.floor(random() * backoffCeilingMs(policy, attempts));
  if (retryAfterMs === undefined) return jittered;
  return Math.min(policy.backoffCapMs, Math.max(jittered, retryAfterMs));
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or bad. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
