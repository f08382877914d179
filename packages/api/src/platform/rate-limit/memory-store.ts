import { evaluate, type Check, type Decision } from './gcra.js';
import type { RateLimitStore } from './store.js';

export interface MemoryStoreOptions {
  /** Most buckets kept; beyond it the least recently written bucket is dropped. */
  maxBuckets?: number;
  /** Wall clock in milliseconds; tests inject one to step through windows without sleeping. */
  now?: () => number;
}

/** A bucket stored as its TAT; a TAT in the past means "full", the same as no entry. */
type Buckets = Map<string, number>;

/** At most this many stale buckets are swept per write, so a decision stays O(1). */
const SWEEP_PER_WRITE = 4;

/**
 * Buckets in this process's memory: right for a single node, wrong for several (each would grant
 * the full quota). Bounded two ways, so a flood of distinct addresses cannot grow it: a write
 * moves its bucket to the end of the Map's insertion order and sweeps a few expired buckets from
 * the front, and past `maxBuckets` the front (least recently written) bucket is evicted. Evicting
 * a live bucket only forgets that one client's usage, which errs on the side of allowing.
 */
export function createMemoryStore(
  options: MemoryStoreOptions = {},
): RateLimitStore & { size: () => number } {
  const maxBuckets = options.maxBuckets ?? 100_000;
  const now = options.now ?? Date.now;
  const buckets: Buckets = new Map();

  const sweep = (nowUs: number) => {
    let swept = 0;
    for (const [key, tat] of buckets) {
      if (swept >= SWEEP_PER_WRITE || tat > nowUs) break;
      buckets.delete(key);
      swept += 1;
    }
    while (buckets.size >= maxBuckets) {
      const oldest = buckets.keys().next();
      if (oldest.done) break;
      buckets.delete(oldest.value);
    }
  };

  const decideNow = (subject: string, checks: readonly Check[]): Decision[] => {
    const nowUs = Math.round(now() * 1000);
    const keys = checks.map((check) => `${subject}|${check.policy.name}`);
    const { decisions, updates } = evaluate(
      checks,
      keys.map((key) => buckets.get(key)),
      nowUs,
    );
    updates.forEach((tat, index) => {
      if (tat === undefined) return;
      const key = keys[index]!;
      buckets.delete(key);
      sweep(nowUs);
      buckets.set(key, tat);
    });
    return decisions;
  };

  return {
    decide: async (subject, checks) => decideNow(subject, checks),
    decideNow,
    ready: async () => undefined,
    close: async () => buckets.clear(),
    size: () => buckets.size,
  };
}
