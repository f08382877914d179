import { describe, expect, it } from 'vitest';
import { evaluate, type Check, type Policy } from '../../src/platform/rate-limit/gcra.js';
import {
  limitField,
  policyField,
  retryAfterSeconds,
} from '../../src/platform/rate-limit/headers.js';
import { createMemoryStore } from '../../src/platform/rate-limit/memory-store.js';

const S = 1_000_000; // µs per second
const perMinute = (quota: number, name = 'p'): Policy => ({ name, quota, windowSeconds: 60 });

/** Replays requests against one bucket, carrying its TAT like a store would. */
function bucket(policy: Policy) {
  let tat: number | undefined;
  return (nowUs: number, mode: Check['mode'] = 'consume') => {
    const { decisions, updates } = evaluate([{ policy, mode }], [tat], nowUs);
    tat = updates[0] ?? tat;
    return decisions[0]!;
  };
}

describe('GCRA', () => {
  it('allows a burst of exactly `quota`, then refuses with the time to the next unit', () => {
    const hit = bucket(perMinute(10));
    const remaining = Array.from({ length: 10 }, () => hit(0)).map((d) => d.remaining);
    expect(remaining).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    const refused = hit(0);
    expect(refused).toMatchObject({ allowed: false, remaining: 0, nextUnitAfterUs: 6 * S });
    expect(retryAfterSeconds([refused])).toBe(6);
  });

  it('refills one unit per emission interval (window / quota), never above quota', () => {
    const hit = bucket(perMinute(10));
    for (let i = 0; i < 10; i++) hit(0);
    expect(hit(6 * S - 1).allowed).toBe(false);
    expect(hit(6 * S)).toMatchObject({ allowed: true, remaining: 0 });
    expect(hit(6 * S).allowed).toBe(false);
    // After a long idle time the bucket is full, not overfull.
    expect(hit(3600 * S)).toMatchObject({ allowed: true, remaining: 9, resetAfterUs: 6 * S });
  });

  it('a refused request spends nothing', () => {
    const hit = bucket(perMinute(1));
    expect(hit(0).allowed).toBe(true);
    for (let i = 0; i < 5; i++) expect(hit(30 * S).allowed).toBe(false);
    expect(hit(60 * S).allowed).toBe(true);
  });

  it('peek reports without spending, and says whether one more would fit', () => {
    const hit = bucket(perMinute(2));
    expect(hit(0, 'peek')).toMatchObject({ allowed: true, remaining: 2, resetAfterUs: 0 });
    hit(0);
    hit(0);
    expect(hit(0, 'peek')).toMatchObject({ allowed: false, remaining: 0, nextUnitAfterUs: 30 * S });
  });

  it('is all or nothing across buckets: a refused write spends no read budget', () => {
    const all = perMinute(100, 'all');
    const writes = perMinute(1, 'writes');
    const checks: Check[] = [
      { policy: all, mode: 'consume' },
      { policy: writes, mode: 'consume' },
    ];
    const first = evaluate(checks, [undefined, undefined], 0);
    expect(first.decisions.map((d) => d.allowed)).toEqual([true, true]);
    const second = evaluate(checks, first.updates, 0);
    expect(second.decisions.map((d) => d.allowed)).toEqual([false, false]);
    expect(second.updates).toEqual([undefined, undefined]);
    expect(second.decisions[0]).toMatchObject({ remaining: 99, nextUnitAfterUs: 0 });
    expect(second.decisions[1]).toMatchObject({ remaining: 0, nextUnitAfterUs: 60 * S });
  });

  it('a peeked bucket never refuses the request', () => {
    const { decisions, updates } = evaluate(
      [
        { policy: perMinute(5, 'all'), mode: 'consume' },
        { policy: perMinute(1, 'writes'), mode: 'peek' },
      ],
      [undefined, 30 * S],
      0,
    );
    expect(decisions.map((d) => d.allowed)).toEqual([true, false]);
    expect(updates[0]).toBe(12 * S);
    expect(updates[1]).toBeUndefined();
  });

  it('keeps exact integer arithmetic when the interval does not divide evenly', () => {
    const hit = bucket({ name: 'odd', quota: 7, windowSeconds: 60 });
    const allowed = Array.from({ length: 8 }, () => hit(1_700_000_000 * S).allowed);
    expect(allowed).toEqual([true, true, true, true, true, true, true, false]);
  });
});

describe('RateLimit header fields (draft-ietf-httpapi-ratelimit-headers)', () => {
  it('are structured-field lists of strings with parameters', () => {
    const policy = perMinute(100, 'default');
    const hit = bucket(policy);
    for (let i = 0; i < 57; i++) hit(0);
    const decision = hit(0);
    expect(policyField([policy])).toBe('"default";q=100;w=60');
    expect(limitField([decision])).toBe('"default";r=42;t=35');
    expect(policyField([policy, perMinute(10, 'writes')])).toBe(
      '"default";q=100;w=60, "writes";q=10;w=60',
    );
  });

  it('with nothing left, t is the wait for the next unit (= Retry-After), not the full refill', () => {
    const hit = bucket(perMinute(4));
    for (let i = 0; i < 4; i++) hit(0);
    const refused = hit(1 * S);
    expect(limitField([refused])).toBe('"p";r=0;t=14');
    expect(retryAfterSeconds([refused])).toBe(14);
  });
});

describe('memory store', () => {
  it('uses its clock, and keeps subjects apart', async () => {
    let now = 0;
    const store = createMemoryStore({ now: () => now });
    const checks: Check[] = [{ policy: perMinute(1), mode: 'consume' }];
    expect((await store.decide('a', checks))[0]!.allowed).toBe(true);
    expect((await store.decide('a', checks))[0]!.allowed).toBe(false);
    expect((await store.decide('b', checks))[0]!.allowed).toBe(true);
    now = 60_000;
    expect((await store.decide('a', checks))[0]!.allowed).toBe(true);
  });

  it('stays bounded under a flood of distinct subjects', async () => {
    const store = createMemoryStore({ maxBuckets: 100, now: () => 0 });
    const checks: Check[] = [{ policy: perMinute(1), mode: 'consume' }];
    for (let i = 0; i < 1_000; i++) await store.decide(`ip:${i}`, checks);
    expect(store.size()).toBeLessThanOrEqual(100);
    // The newest subjects are remembered; the oldest were evicted, i.e. forgotten and allowed.
    expect((await store.decide('ip:999', checks))[0]!.allowed).toBe(false);
    expect((await store.decide('ip:0', checks))[0]!.allowed).toBe(true);
  });

  it('drops buckets that are full again as it writes new ones', async () => {
    let now = 0;
    const store = createMemoryStore({ now: () => now });
    const checks: Check[] = [{ policy: perMinute(60), mode: 'consume' }];
    for (let i = 0; i < 50; i++) await store.decide(`ip:${i}`, checks);
    now = 2_000; // every bucket refilled its one unit after 1 s
    for (let i = 0; i < 20; i++) await store.decide(`new:${i}`, checks);
    expect(store.size()).toBeLessThan(50);
  });
});
