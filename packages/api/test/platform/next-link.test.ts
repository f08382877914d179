import { describe, expect, it } from 'vitest';
import { nextPageUrl } from '../../src/platform/pagination/next-link.js';
import { seededRandom } from '../support/random.js';

/** What sendPage built before nextPageUrl: two URLs and a URLSearchParams round trip. */
function viaUrl(target: string, base: string, parameter: string, cursor: string): string {
  try {
    const url = new URL(target, `${base}/`);
    const next = new URL(base + url.pathname);
    for (const [name, value] of url.searchParams)
      if (name !== parameter) next.searchParams.append(name, value);
    next.searchParams.set(parameter, cursor);
    return next.toString();
  } catch (error) {
    return String(error);
  }
}
const fast = (target: string, base: string, parameter: string, cursor: string) => {
  try {
    return nextPageUrl(target, base, parameter, cursor);
  } catch (error) {
    return String(error);
  }
};

const BASES = ['http://127.0.0.1:3000', 'https://API.Example.com:443', 'https://example.com/api'];
const CURSOR = 'YzI6b3JkXzAxamQwMDAwMDAwMDAwMDAwMDAwMDAyNmVkI9YwhmTZcJVwDUcbmRHKyQ';

describe('nextPageUrl (the Link of a list page)', () => {
  it('gives what the URL API gives for ordinary and hostile targets', () => {
    for (const base of BASES)
      for (const target of [
        '/v1/orders',
        '/v1/orders?limit=20',
        '/v1/orders?limit=20&status=paid&user_id=usr_01jd',
        `/v1/orders?starting_after=${CURSOR}&limit=5`,
        '/v1/orders?starting_after=a&starting_after=b&limit=5',
        '/v1/orders?starting%5Fafter=x&limit=5',
        '/v1/orders?limit=20&',
        '/v1/orders?&&limit=20',
        '/v1/orders?flag',
        '/v1/orders?a=b=c',
        '/v1/orders?q=a+b&r=%20x',
        '/v1/orders?q=ü',
        '/v1/orders?limit=20#frag',
        '/v1/orders?',
        '/v1/orders ?limit=2',
        '/v1/orders\t?limit=2',
        '//evil.example/v1/orders?limit=2',
        '/v1/../v2/orders?limit=2',
        '/v2/payments/pay_1/refunds?cursor=abc',
      ])
        for (const parameter of ['starting_after', 'cursor'])
          expect(fast(target, base, parameter, CURSOR), `${base} ${target}`).toBe(
            viaUrl(target, base, parameter, CURSOR),
          );
  });

  it('gives what the URL API gives for 20,000 random queries', () => {
    const alphabet = `abls_-.*0129=&=&%2B+?#/ \u00e9"<>`;
    const random = seededRandom(7);
    const names = ['limit', 'status', 'starting_after', 'cursor', 'user_id', 'x'];
    const distinct = new Set<string>();
    let plain = 0;
    for (let i = 0; i < 20_000; i++) {
      const pairs: string[] = [];
      const count = Math.floor(random() * 4);
      for (let p = 0; p < count; p++) {
        let value = '';
        const length = Math.floor(random() * 6);
        for (let c = 0; c < length; c++) value += alphabet[Math.floor(random() * alphabet.length)];
        pairs.push(`${names[Math.floor(random() * names.length)]}=${value}`);
      }
      const paths = ['/v1/orders', '/v1/orders ', '/v1/orders\t', '/v2/a b/refunds', '/v1/%7e/x'];
      const path = paths[Math.floor(random() * paths.length)]!;
      const target = `${path}${count > 0 || random() < 0.5 ? '?' : ''}${pairs.join('&')}`;
      const base = BASES[i % BASES.length]!;
      const parameter = random() < 0.5 ? 'starting_after' : 'cursor';
      expect(fast(target, base, parameter, CURSOR), JSON.stringify([target, base])).toBe(
        viaUrl(target, base, parameter, CURSOR),
      );
      distinct.add(target);
      if (pairs.every((pair) => /^[\w.*-]+=[\w.*-]*$/.test(pair))) plain += 1;
    }
    // The sample is what it claims: distinct targets, many of them on the fast path.
    expect(distinct.size).toBeGreaterThan(10_000);
    expect(plain).toBeGreaterThan(2_000);
  });
});
