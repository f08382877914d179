import { describe, expect, it } from 'vitest';
import { pathnameOf } from '../../src/platform/urls/request-path.js';
import { seededRandom } from '../support/random.js';

/** URL's answer, or the error it throws (e.g. `/\\bad host`, read as an authority). */
const viaUrl = (target: string) => {
  try {
    return new URL(target, 'http://localhost').pathname;
  } catch (error) {
    return String(error);
  }
};
const fast = (target: string) => {
  try {
    return pathnameOf(target);
  } catch (error) {
    return String(error);
  }
};

describe('pathnameOf (the fast path of the deprecation Link)', () => {
  it('gives what URL gives for ordinary and hostile targets', () => {
    for (const target of [
      '/v1/orders',
      '/v1/orders/ord_01J9Z?limit=20&starting_after=x',
      '/v1/orders?',
      '/v1/orders#frag',
      '/',
      '//evil.example/v1/orders',
      '/v1/../v2/orders',
      '/v1/./orders',
      '/v1/%2e%2E/orders',
      '/v1/orders/.well-known',
      '/v1/a b',
      '/v1/<script>"x"',
      '/v1/\\orders',
      '/v1/%zz/%41',
      '/v1/ünïcode',
      '/v1/a\tb',
      '/v1/{x}|^`[y]',
    ])
      expect(fast(target), target).toBe(viaUrl(target));
  });

  it('gives what URL gives for 20,000 random targets', () => {
    const alphabet = `/v1abz09._-~!$&'()*+,;=:@%2eE?#<>"\` {}|\\^[]\t\u00e9`;
    const random = seededRandom(42);
    const distinct = new Set<string>();
    let verbatim = 0;
    for (let i = 0; i < 20_000; i++) {
      let target = '/';
      const length = Math.floor(random() * 24);
      for (let c = 0; c < length; c++) target += alphabet[Math.floor(random() * alphabet.length)];
      expect(fast(target), JSON.stringify(target)).toBe(viaUrl(target));
      distinct.add(target);
      if (fast(target) === target.split(/[?#]/)[0]) verbatim += 1;
    }
    // The sample is what it claims: distinct targets, many of them paths URL keeps as they are.
    expect(distinct.size).toBeGreaterThan(15_000);
    expect(verbatim).toBeGreaterThan(2_000);
  });
});
