import type { Check, Decision } from './gcra.js';

/**
 * Where buckets live: memory-store.ts for one node, redis-store.ts for N nodes that must enforce
 * one limit. Both run the same GCRA (gcra.ts); only the storage and the clock source differ.
 */
export interface RateLimitStore {
  /**
   * Decides every check of one subject (an API key, a client address) atomically and returns one
   * decision per check, in order. Rejects when the store cannot answer; callers apply
   * RATE_LIMIT_ON_STORE_ERROR, so a rejection must come quickly, never hang.
   */
  decide(subject: string, checks: readonly Check[]): Promise<Decision[]>;
  /**
   * The same decision, synchronously, for a store that holds its buckets in this process: the
   * hooks then answer without a promise per request. Absent on stores that must wait (Redis).
   */
  decideNow?(subject: string, checks: readonly Check[]): Decision[];
  /** Resolves once the store can answer, or gave up trying for now; never rejects. */
  ready(): Promise<void>;
  close(): Promise<void>;
}
