/**
 * GCRA (the generic cell rate algorithm, a token bucket that stores one number per bucket).
 *
 * A policy allows `quota` requests per `windowSeconds`, in bursts of up to `quota`. Each bucket
 * keeps its TAT, the "theoretical arrival time" at which it would be full again; a request moves
 * the TAT forward by one emission interval. One number per bucket, no timer and no refill job,
 * is what makes the state cheap to keep in a bounded Map or in one Redis key with a TTL.
 *
 * Time is whole microseconds so the arithmetic is exact in both JavaScript and Redis Lua (IEEE
 * doubles hold integers up to 2^53; now in µs is about 2^51), and the Lua script in
 * redis-store.ts reaches the same answer bit for bit.
 */

export interface Policy {
  /** Identifier in the RateLimit-Policy / RateLimit header fields: a token, e.g. `api_key`. */
  name: string;
  /** Requests allowed per window, and the largest burst. */
  quota: number;
  windowSeconds: number;
}

/** `consume` spends one unit if every consumed bucket allows it; `peek` only reports. */
export type CheckMode = 'consume' | 'peek';

export interface Check {
  policy: Policy;
  mode: CheckMode;
}

export interface Decision {
  policy: Policy;
  mode: CheckMode;
  /** consume: the unit was spent. peek: one more unit would be allowed now. */
  allowed: boolean;
  /** Units left after this request. */
  remaining: number;
  /** Microseconds until the bucket is full again. */
  resetAfterUs: number;
  /** Microseconds until one more unit fits; 0 when one fits now. */
  nextUnitAfterUs: number;
}

export interface Evaluation {
  decisions: Decision[];
  /** New TAT per check, or undefined when that bucket does not change. */
  updates: (number | undefined)[];
}

export const MICROS_PER_SECOND = 1_000_000;

/** Emission interval and burst tolerance in µs; the tolerance is exactly `quota` intervals. */
export function bucketShape(policy: Policy): { intervalUs: number; toleranceUs: number } {
  const intervalUs = Math.max(
    1,
    Math.round((policy.windowSeconds * MICROS_PER_SECOND) / policy.quota),
  );
  return { intervalUs, toleranceUs: intervalUs * policy.quota };
}

/**
 * Decides a set of checks on one subject at `nowUs`, given each bucket's stored TAT (undefined
 * when absent). All or nothing: if any consumed bucket refuses, nothing is spent, so a request
 * refused by the write policy does not also drain the general one.
 */
export function evaluate(
  checks: readonly Check[],
  storedTats: readonly (number | undefined)[],
  nowUs: number,
): Evaluation {
  const states = checks.map((check, index) => {
    const { intervalUs, toleranceUs } = bucketShape(check.policy);
    const tat = Math.max(storedTats[index] ?? nowUs, nowUs);
    const allowAt = tat + intervalUs - toleranceUs;
    return { check, intervalUs, toleranceUs, tat, allowAt, fits: allowAt <= nowUs };
  });
  const admitted = states.every((s) => s.check.mode === 'peek' || s.fits);

  const decisions: Decision[] = [];
  const updates: (number | undefined)[] = [];
  for (const s of states) {
    const spends = admitted && s.check.mode === 'consume';
    const tat = spends ? s.tat + s.intervalUs : s.tat;
    const allowed = s.check.mode === 'consume' ? admitted : s.fits;
    decisions.push({
      policy: s.check.policy,
      mode: s.check.mode,
      allowed,
      remaining: Math.max(0, Math.floor((s.toleranceUs - (tat - nowUs)) / s.intervalUs)),
      resetAfterUs: tat - nowUs,
      nextUnitAfterUs: Math.max(0, tat + s.intervalUs - s.toleranceUs - nowUs),
    });
    updates.push(spends ? tat : undefined);
  }
  return { decisions, updates };
}
