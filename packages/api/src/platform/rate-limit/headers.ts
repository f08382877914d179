import { MICROS_PER_SECOND, type Decision, type Policy } from './gcra.js';

/**
 * The RateLimit-Policy and RateLimit fields of draft-ietf-httpapi-ratelimit-headers (-09 to -11):
 * Structured Field Lists (RFC 9651) of String items with parameters, e.g.
 *
 *   RateLimit-Policy: "api_key";q=1200;w=60, "api_key_writes";q=300;w=60
 *   RateLimit: "api_key";r=1187;t=1, "api_key_writes";r=300;t=0
 *
 * q is the quota and w the window in seconds. r is what is left; t is the effective window: the
 * seconds until the bucket is full again, or, once r=0, until the next unit is available. With
 * r=0 the time to full refill would overstate the wait, and the draft (§6) asks that Retry-After
 * not point before the end of the effective window, so on a 429 t equals Retry-After.
 */
export const POLICY_HEADER = 'ratelimit-policy';
export const LIMIT_HEADER = 'ratelimit';

const seconds = (us: number) => Math.max(0, Math.ceil(us / MICROS_PER_SECOND));

export function policyField(policies: readonly Policy[]): string {
  return policies.map((p) => `"${p.name}";q=${p.quota};w=${p.windowSeconds}`).join(', ');
}

export function limitField(decisions: readonly Decision[]): string {
  return decisions
    .map((d) => {
      const t = d.remaining === 0 ? d.nextUnitAfterUs : d.resetAfterUs;
      return `"${d.policy.name}";r=${d.remaining};t=${seconds(t)}`;
    })
    .join(', ');
}

/**
 * Retry-After for a refused request: when every bucket that refused it has room again. Whole
 * seconds rounded up (RFC 9110 §10.2.3 delay-seconds), at least 1.
 */
export function retryAfterSeconds(blocking: readonly Decision[]): number {
  return Math.max(1, ...blocking.map((d) => seconds(d.nextUnitAfterUs)));
}
