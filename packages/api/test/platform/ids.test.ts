import { describe, expect, it } from 'vitest';
import { idPattern, newId, randomUnit } from '../../src/platform/ids/ids.js';

describe('ids', () => {
  it('are prefixed lower-case ULIDs, unique and in the order they were minted', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('ord'));
    const pattern = new RegExp(idPattern('ord'));
    for (const id of ids) expect(id).toMatch(pattern);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });

  it('draw their random characters evenly from the CSPRNG pool', () => {
    const counts = new Array<number>(32).fill(0);
    const draws = 32 * 8_192;
    for (let i = 0; i < draws; i += 1) {
      const unit = randomUnit();
      expect(unit).toBeGreaterThanOrEqual(0);
      expect(unit).toBeLessThan(1);
      counts[Math.floor(unit * 32)]! += 1;
    }
    // 8,192 expected per character; 5 standard deviations (~450) would be a broken source.
    for (const count of counts) expect(Math.abs(count - 8_192)).toBeLessThan(450);
  });

  it('refill the pool from the CSPRNG, never replaying it', () => {
    const window = () => Array.from({ length: 4_096 }, () => randomUnit()).join(',');
    const seen = new Set([window(), window(), window()]);
    expect(seen.size).toBe(3);
  });
});
