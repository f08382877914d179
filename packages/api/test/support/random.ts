/**
 * A seeded pseudo-random number generator for fuzz tests (mulberry32): the same seed gives the
 * same sequence on every run, so a failure names an input that reproduces. 32-bit arithmetic
 * throughout, so the sequence does not collapse into a short cycle the way a multiply past 2^53
 * in doubles does. Returns numbers in [0, 1).
 */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
