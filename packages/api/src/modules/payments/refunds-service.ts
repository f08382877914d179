import {
  ignoreOrderChanges,
  ignoreTransitions,
  type OrderChangeListener,
  type TransitionObserver,
} from './transitions.js';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ApiError, notFound } from '../../platform/errors/api-error.js';
import { newId } from '../../platform/ids/ids.js';
import { mapPage, type Page } from '../../platform/pagination/page.js';
import type { ProcessorClient } from '../../processor/types.js';
import { callAndSettle, processorUnavailable, type Phases, type Respond } from './phases.js';
import * as repo from './repository.js';
import * as refundsRepo from './refunds-repository.js';
import { insertEvent } from './events-repository.js';
import type { RefundView } from './schemas.js';
import { abandonRefund, markRefundUnknown, settleRefund } from './settlement.js';
import { refundView } from './views.js';

const now = () => new Date().toISOString();

/** Refunds, phased like payments: reserve + record → refund at the processor → settle. */
export function createRefundsService(deps: {
  db: Kysely<Database>;
  processor: ProcessorClient | undefined;
  observe?: TransitionObserver;
  /** Told after a settled refund changed its order's refunded amount and status. */
  orderChanged?: OrderChangeListener;
}) {
  const { db, processor } = deps;
  const observe = deps.observe ?? ignoreTransitions;
  const orderChanged = deps.orderChanged ?? ignoreOrderChanges;

  async function open(
    accountId: string,
    paymentId: string,
    requested: number | undefined,
    phases: Phases,
  ) {
    return db.transaction().execute(async (trx) => {
      const payment = await repo.findPayment(trx, accountId, paymentId);
      if (!payment) throw notFound('payment', paymentId);
      if (payment.status !== 'succeeded') {
        throw new ApiError(
          'payment_not_refundable',
          `The payment is ${payment.status}; only succeeded payments can be refunded.`,
        );
      }
      const remaining = payment.amount - payment.amount_refunded - payment.amount_refund_pending;
      const amount = requested ?? remaining;
      const at = now();
      // The guard in SQL, not this check, is what stops concurrent refunds from exceeding the capture.
      if (
        amount <= 0 ||
        !(await refundsRepo.reserveRefund(trx, accountId, paymentId, amount, at))
      ) {
        throw new ApiError(
          'refund_exceeds_payment',
          `At most ${Math.max(0, remaining)} of this payment can still be refunded.`,
        );
      }
      const refund = await refundsRepo.insertRefund(trx, {
        id: newId('re'),
        account_id: accountId,
        payment_id: paymentId,
        amount,
        status: 'pending',
        processor_refund_id: null,
        created_at: at,
        updated_at: at,
      });
      await insertEvent(trx, accountId, 'refund.created', refund.id, refundView(refund), at);
      await phases.advance(trx, 'refund_created', refund.id);
      return { refund, chargeId: payment.processor_charge_id, orderId: payment.order_id };
    });
  }

  return {
    async create(
      accountId: string,
      paymentId: string,
      amount: number | undefined,
      phases: Phases,
      respond: Respond<RefundView>,
    ): Promise<RefundView> {
      if (!processor) throw processorUnavailable(30);
      let refund: refundsRepo.RefundRow | undefined;
      let chargeId: string | null;
      let orderId: string | undefined;
      if (phases.recoveryPoint === 'refund_created' && phases.resourceId !== null) {
        refund = await refundsRepo.findRefund(db, accountId, phases.resourceId);
        const payment = refund
          ? await repo.findPayment(db, accountId, refund.payment_id)
          : undefined;
        chargeId = payment?.processor_charge_id ?? null;
        orderId = payment?.order_id;
      } else {
        ({ refund, chargeId, orderId } = await open(accountId, paymentId, amount, phases));
        observe({ kind: 'refund', id: refund.id, from: null, to: refund.status, via: 'request' });
      }
      if (!refund || chargeId === null)
        throw new Error(`refund flow lost its refund or charge (${phases.resourceId})`);
      const current = refund;
      if (current.status !== 'pending') {
        await db.transaction().execute((trx) => phases.complete(trx, respond(refundView(current))));
        return refundView(current);
      }
      return callAndSettle(db, phases, respond, refundView, {
        call: () =>
          processor.refund({
            idempotencyKey: current.id,
            chargeId,
            amount: current.amount,
            reference: current.id,
          }),
        settle: (trx, result) => settleRefund(trx, current, result, now()),
        park: (trx) => markRefundUnknown(trx, current, now()),
        // Nothing was refunded: the refund fails and the payment's pending amount is released.
        refuse: (trx) => abandonRefund(trx, current, now()),
        reload: async (trx) => (await refundsRepo.findRefund(trx, accountId, current.id))!,
        moved: async (row) => {
          observe({
            kind: 'refund',
            id: row.id,
            from: current.status,
            to: row.status,
            via: 'request',
          });
          // A succeeded refund books its amount on the order (settleRefund → addOrderRefund).
          if (orderId !== undefined) await orderChanged(accountId, orderId);
        },
      });
    },

    async get(accountId: string, id: string): Promise<RefundView> {
      const row = await refundsRepo.findRefund(db, accountId, id);
      if (!row) throw notFound('refund', id);
      return refundView(row);
    },

    async listForPayment(
      accountId: string,
      paymentId: string,
      query: { afterId?: string; limit: number },
    ): Promise<Page<RefundView>> {
      if (!(await repo.findPayment(db, accountId, paymentId))) throw notFound('payment', paymentId);
      return mapPage(
        await refundsRepo.findRefundPage(db, accountId, { paymentId, ...query }),
        refundView,
      );
    },
  };
}

export type RefundsService = ReturnType<typeof createRefundsService>;
