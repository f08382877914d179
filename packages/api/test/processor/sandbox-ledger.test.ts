import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { createLedger, DEFAULT_LEDGER_CAPACITY } from '../../src/processor/sandbox/ledger.js';

// A real heap measurement needs a full GC on demand; the flag is set at run time so the suite
// needs no special node options.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

const charge = (ledger: ReturnType<typeof createLedger>, n: number) =>
  ledger.createCharge(`key-${n}`, {
    amount: 1000 + (n % 100),
    currency: 'EUR',
    paymentMethod: 'pm_card_visa',
    reference: `pay_${n.toString().padStart(26, '0')}`,
  });

describe('the sandbox ledger is bounded (issue 20 §11)', () => {
  it('keeps its heap flat after 60,000 payments and refunds beyond its capacity', () => {
    const ledger = createLedger({ capacity: 2_000 });
    for (let n = 0; n < 2_000; n += 1) charge(ledger, n);
    const before = heapAfterGc();
    for (let n = 2_000; n < 62_000; n += 1) {
      const answer = charge(ledger, n);
      if (answer.kind !== 'answer') throw new Error('unexpected hang');
      const { id } = answer.body as { id: string };
      ledger.createRefund(`refund-${n}`, { chargeId: id, amount: 10, reference: `ref_${n}` });
    }
    const growth = heapAfterGc() - before;
    // Measured: unbounded, 60,000 charges with a refund each grew the heap 45.5 MiB (~800 B per
    // payment); bounded at 2,000, 0.9 MiB.
    expect(growth).toBeLessThan(3 * 1024 * 1024);
    expect(ledger.chargeCount()).toBe(2_000);
    expect(ledger.refundCount()).toBe(2_000);
  });

  it('forgets the oldest charges first: recent keys still replay, the oldest are new again', () => {
    const ledger = createLedger({ capacity: 3 });
    const first = charge(ledger, 1);
    for (let n = 2; n <= 4; n += 1) charge(ledger, n);
    expect(ledger.findCharge('key-1')).toBeUndefined();
    expect(ledger.findCharge('key-4')).toBeDefined();
    const replay = charge(ledger, 4);
    expect(replay).toMatchObject({ status: 201, body: ledger.findCharge('key-4') });
    const again = charge(ledger, 1);
    expect((again as { body: { id: string } }).body.id).not.toBe(
      (first as { body: { id: string } }).body.id,
    );
    expect(DEFAULT_LEDGER_CAPACITY).toBe(10_000);
  });
});
