import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ChargeResult, RefundResult } from '../../processor/types.js';
import * as orders from '../orders/repository.js';
import * as repo from './repository.js';
import * as refundsRepo from './refunds-repository.js';
import { insertEvent } from './events-repository.js';
import { paymentView, refundView } from './views.js';

/**
 * The state transitions of payments and refunds, shared by the request path and reconciliation.
 * Each one is a guarded UPDATE plus its order bookkeeping and its event, run in the caller's
 * transaction; a transition that finds the row already moved does nothing and returns undefined.
 */

const OPEN_PAYMENT: repo.PaymentRow['status'][] = ['processing', 'requires_reconciliation'];
const OPEN_REFUND: refundsRepo.RefundRow['status'][] = ['pending', 'requires_reconciliation'];

export async function settleCharge(
  trx: Kysely<Database>,
  payment: repo.PaymentRow,
  result: ChargeResult,
  at: string,
) {
  const succeeded = result.status === 'succeeded';
  const row = await repo.transitionPayment(
    trx,
    payment.id,
    OPEN_PAYMENT,
    succeeded
      ? { status: 'succeeded', processor_charge_id: result.chargeId, decline_code: null }
      : {
          status: 'failed',
          processor_charge_id: result.chargeId,
          decline_code: result.declineCode,
        },
    at,
  );
  if (!row) return undefined;
  if (succeeded) await orders.addOrderPayment(trx, row.order_id, row.amount, at);
  else await orders.releaseOrderAmount(trx, row.order_id, row.amount, at);
  await insertEvent(
    trx,
    row.account_id,
    succeeded ? 'payment.succeeded' : 'payment.failed',
    row.id,
    paymentView(row),
    at,
  );
  return row;
}

/** The processor may or may not have charged: park the payment for reconciliation. */
export async function markPaymentUnknown(
  trx: Kysely<Database>,
  payment: repo.PaymentRow,
  at: string,
) {
  const row = await repo.transitionPayment(
    trx,
    payment.id,
    ['processing'],
    { status: 'requires_reconciliation' },
    at,
  );
  if (row)
    await insertEvent(
      trx,
      row.account_id,
      'payment.requires_reconciliation',
      row.id,
      paymentView(row),
      at,
    );
  return row;
}

/** The processor has no record of the charge: nothing was taken, so the reservation is released. */
export async function abandonPayment(
  trx: Kysely<Database>,
  payment: repo.PaymentRow,
  reason: string,
  at: string,
) {
  const row = await repo.transitionPayment(
    trx,
    payment.id,
    OPEN_PAYMENT,
    { status: 'failed', decline_code: reason },
    at,
  );
  if (!row) return undefined;
  await orders.releaseOrderAmount(trx, row.order_id, row.amount, at);
  await insertEvent(trx, row.account_id, 'payment.failed', row.id, paymentView(row), at);
  return row;
}

export async function settleRefund(
  trx: Kysely<Database>,
  refund: refundsRepo.RefundRow,
  result: RefundResult,
  at: string,
) {
  const row = await refundsRepo.transitionRefund(
    trx,
    refund.id,
    OPEN_REFUND,
    { status: 'succeeded', processor_refund_id: result.refundId },
    at,
  );
  if (!row) return undefined;
  await refundsRepo.settleRefund(trx, row.payment_id, row.amount, true, at);
  const payment = await repo.findPayment(trx, row.account_id, row.payment_id);
  if (payment) await orders.addOrderRefund(trx, payment.order_id, row.amount, at);
  await insertEvent(trx, row.account_id, 'refund.succeeded', row.id, refundView(row), at);
  return row;
}

export async function markRefundUnknown(
  trx: Kysely<Database>,
  refund: refundsRepo.RefundRow,
  at: string,
) {
  const row = await refundsRepo.transitionRefund(
    trx,
    refund.id,
    ['pending'],
    { status: 'requires_reconciliation' },
    at,
  );
  if (row)
    await insertEvent(
      trx,
      row.account_id,
      'refund.requires_reconciliation',
      row.id,
      refundView(row),
      at,
    );
  return row;
}

export async function abandonRefund(
  trx: Kysely<Database>,
  refund: refundsRepo.RefundRow,
  at: string,
) {
  const row = await refundsRepo.transitionRefund(
    trx,
    refund.id,
    OPEN_REFUND,
    { status: 'failed' },
    at,
  );
  if (!row) return undefined;
  await refundsRepo.settleRefund(trx, row.payment_id, row.amount, false, at);
  await insertEvent(trx, row.account_id, 'refund.failed', row.id, refundView(row), at);
  return row;
}
