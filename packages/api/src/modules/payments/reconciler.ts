import type { Kysely } from 'kysely';
import type { BaseLogger } from 'pino';
import type { Database } from '../../db/schema.js';
import type { ProcessorClient } from '../../processor/types.js';
import * as repo from './repository.js';
import * as refundsRepo from './refunds-repository.js';
import type { OrderChangeListener, TransitionObserver } from './transitions.js';
import { abandonPayment, abandonRefund, settleCharge, settleRefund } from './settlement.js';

export interface ReconcilerOptions {
  db: Kysely<Database>;
  processor: ProcessorClient;
  /** Where decisions and processor errors are logged (the app's logger, or the CLI's). */
  logger: Pick<BaseLogger, 'info' | 'warn'>;
  /** A processing payment idle this long is assumed orphaned (crash); must exceed the processor deadline. */
  staleAfterMs: number;
  batchSize?: number;
  /** Receives each transition reconciliation commits. */
  observe?: TransitionObserver;
  /** Told after each commit that changed an order's amounts or status. */
  orderChanged?: OrderChangeListener;
}

export interface Decision {
  id: string;
  from: string;
  to: string;
}

/**
 * Resolves payments and refunds whose outcome is open (`requires_reconciliation`, or stuck in
 * `processing`/`pending` after a crash) by asking the processor what it knows under the same
 * idempotency key, then applying the same transitions the request path uses.
 */
export function createReconciler(options: ReconcilerOptions) {
  const { db, processor, logger } = options;
  const batch = options.batchSize ?? 100;

  async function decide(
    kind: 'payment' | 'refund',
    id: string,
    from: string,
    to: string | undefined,
    decisions: Decision[],
  ) {
    if (to === undefined) return; // someone else settled it first
    decisions.push({ id, from, to });
    logger.info({ event: 'reconciliation.decided', kind, id, from, to }, 'reconciliation decided');
    options.observe?.({ kind, id, from, to, via: 'reconciliation' });
  }

  return {
    /** One pass over everything open; returns what it decided. */
    async runOnce(): Promise<Decision[]> {
      const before = new Date(Date.now() - options.staleAfterMs).toISOString();
      const decisions: Decision[] = [];
      for (const payment of await repo.findUnresolvedPayments(db, before, batch)) {
        try {
          const charge = await processor.findCharge(payment.id);
          const at = new Date().toISOString();
          const row = await db
            .transaction()
            .execute((trx) =>
              charge
                ? settleCharge(trx, payment, charge, at)
                : abandonPayment(trx, payment, 'processor_no_record', at),
            );
          // Settling or abandoning a payment books or releases its amount on the order.
          if (row) await options.orderChanged?.(row.account_id, row.order_id);
          await decide('payment', payment.id, payment.status, row?.status, decisions);
        } catch (error) {
          logger.warn(
            { event: 'reconciliation.deferred', kind: 'payment', id: payment.id, err: error },
            'reconciliation deferred',
          );
        }
      }
      for (const refund of await refundsRepo.findUnresolvedRefunds(db, before, batch)) {
        try {
          const result = await processor.findRefund(refund.id);
          const at = new Date().toISOString();
          const row = await db
            .transaction()
            .execute((trx) =>
              result ? settleRefund(trx, refund, result, at) : abandonRefund(trx, refund, at),
            );
          if (row?.status === 'succeeded' && options.orderChanged) {
            const paid = await repo.findPayment(db, row.account_id, row.payment_id);
            if (paid) await options.orderChanged(row.account_id, paid.order_id);
          }
          await decide('refund', refund.id, refund.status, row?.status, decisions);
        } catch (error) {
          logger.warn(
            { event: 'reconciliation.deferred', kind: 'refund', id: refund.id, err: error },
            'reconciliation deferred',
          );
        }
      }
      return decisions;
    },
  };
}

export type Reconciler = ReturnType<typeof createReconciler>;
