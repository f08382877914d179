import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ApiError, notFound } from '../../platform/errors/api-error.js';
import { newId } from '../../platform/ids/ids.js';
import { mapPage, type Page } from '../../platform/pagination/page.js';
import type { ProcessorClient } from '../../processor/types.js';
import {
  ignoreOrderChanges,
  ignoreTransitions,
  type OrderChangeListener,
  type TransitionObserver,
} from './transitions.js';
import { callAndSettle, processorUnavailable, type Phases, type Respond } from './phases.js';
import * as orders from '../orders/repository.js';
import * as repo from './repository.js';
import { insertEvent } from './events-repository.js';
import type { CreatePaymentInput, PaymentView } from './schemas.js';
import { abandonPayment, markPaymentUnknown, settleCharge } from './settlement.js';
import { paymentView } from './views.js';

const now = () => new Date().toISOString();

/**
 * The answer for a payment the processor refused because it does not know the payment method:
 * a 422 rather than the failed payment, on the first request and on every replay.
 */
function unknownMethodError(row: repo.PaymentRow): ApiError | undefined {
  if (row.status !== 'failed' || row.decline_code !== 'payment_method_unknown') return undefined;
  return new ApiError(
    'payment_method_unknown',
    `The payment processor does not know this payment method; nothing was charged and the order's balance is free (payment ${row.id} is failed).`,
  );
}

/**
 * Payments, in persisted phases so a retry after a crash resumes instead of starting over:
 *   started → (payment row + order reservation + event) → payment_created
 *   → charge at the processor, keyed by the payment id, so a resumed charge cannot double-charge
 *   → (settlement + event + idempotency record, one transaction) → done.
 */
export function createPaymentsService(deps: {
  db: Kysely<Database>;
  processor: ProcessorClient | undefined;
  observe?: TransitionObserver;
  /** Told after each commit that changed an order's amounts or status. */
  orderChanged?: OrderChangeListener;
}) {
  const { db, processor } = deps;
  const observe = deps.observe ?? ignoreTransitions;
  const orderChanged = deps.orderChanged ?? ignoreOrderChanges;

  /** Phase 1: validate against the order, reserve the amount and record the payment, atomically. */
  async function open(
    accountId: string,
    input: CreatePaymentInput,
    phases: Phases,
  ): Promise<repo.PaymentRow> {
    return db.transaction().execute(async (trx) => {
      const order = await orders.findOrderForPayment(trx, accountId, input.order_id);
      if (!order) throw notFound('order', input.order_id);
      if (order.status !== 'pending_payment') {
        throw new ApiError(
          'order_not_payable',
          `The order is ${order.status}; only pending_payment orders can be paid.`,
        );
      }
      if (input.currency !== undefined && input.currency !== order.currency) {
        throw new ApiError(
          'payment_currency_mismatch',
          `The order is in ${order.currency}, not ${input.currency}.`,
        );
      }
      const balance = order.total_amount - order.amount_committed;
      const amount = input.amount ?? balance;
      const at = now();
      if (amount <= 0 || !(await orders.commitOrderAmount(trx, accountId, order.id, amount, at))) {
        throw new ApiError(
          'amount_exceeds_balance',
          `The order's unpaid balance is ${balance}; ${amount} cannot be charged.`,
        );
      }
      const payment = await repo.insertPayment(trx, {
        id: newId('pay'),
        account_id: accountId,
        order_id: order.id,
        amount,
        currency: order.currency,
        status: 'processing',
        payment_method: input.payment_method,
        decline_code: null,
        processor_charge_id: null,
        created_at: at,
        updated_at: at,
      });
      await insertEvent(trx, accountId, 'payment.created', payment.id, paymentView(payment), at);
      await phases.advance(trx, 'payment_created', payment.id);
      return payment;
    });
  }

  async function finish(payment: repo.PaymentRow, phases: Phases, respond: Respond<PaymentView>) {
    const view = paymentView(payment);
    await db.transaction().execute((trx) => phases.complete(trx, respond(view)));
    return view;
  }

  return {
    async create(
      accountId: string,
      input: CreatePaymentInput,
      phases: Phases,
      respond: Respond<PaymentView>,
    ): Promise<PaymentView> {
      if (!processor) throw processorUnavailable(30);
      const resumed = phases.recoveryPoint === 'payment_created' && phases.resourceId !== null;
      const payment = resumed
        ? await repo.findPayment(db, accountId, phases.resourceId!)
        : await open(accountId, input, phases);
      if (payment && !resumed) {
        // Phase 1 reserved part of the order's balance (amount_committed, version).
        await orderChanged(accountId, payment.order_id);
        observe({
          kind: 'payment',
          id: payment.id,
          from: null,
          to: payment.status,
          via: 'request',
        });
      }
      if (!payment)
        throw new Error(`idempotency record points at a missing payment ${phases.resourceId}`);
      // Settled meanwhile (by an earlier attempt or by reconciliation): answer with what is.
      if (payment.status !== 'processing') {
        const refused = unknownMethodError(payment);
        if (refused) throw refused;
        return finish(payment, phases, respond);
      }
      // Tell reconciliation this payment is being worked on, so it does not abandon it mid-charge.
      await repo.touchPayment(db, payment.id, now());

      return callAndSettle(db, phases, respond, paymentView, {
        call: () =>
          processor.charge({
            idempotencyKey: payment.id,
            amount: payment.amount,
            currency: payment.currency,
            paymentMethod: payment.payment_method,
            reference: payment.id,
          }),
        settle: (trx, result) => settleCharge(trx, payment, result, now()),
        park: (trx) => markPaymentUnknown(trx, payment, now()),
        // Nothing was charged: the payment fails and its reservation is released.
        refuse: (trx, reason) =>
          abandonPayment(
            trx,
            payment,
            reason === 'payment_method_unknown' ? 'payment_method_unknown' : 'processor_rejected',
            now(),
          ),
        refusalError: unknownMethodError,
        reload: async (trx) => (await repo.findPayment(trx, accountId, payment.id))!,
        moved: async (row) => {
          observe({
            kind: 'payment',
            id: row.id,
            from: payment.status,
            to: row.status,
            via: 'request',
          });
          await orderChanged(accountId, row.order_id);
        },
      });
    },

    async get(accountId: string, id: string): Promise<PaymentView> {
      const row = await repo.findPayment(db, accountId, id);
      if (!row) throw notFound('payment', id);
      return paymentView(row);
    },

    async list(
      accountId: string,
      query: {
        orderId?: string;
        status?: repo.PaymentRow['status'];
        afterId?: string;
        limit: number;
      },
    ): Promise<Page<PaymentView>> {
      return mapPage(await repo.findPaymentPage(db, accountId, query), paymentView);
    },
  };
}

export type PaymentsService = ReturnType<typeof createPaymentsService>;
