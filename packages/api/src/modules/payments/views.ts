import { toIso } from '../../db/timestamps.js';
import type { PaymentRow } from './repository.js';
import type { RefundRow } from './refunds-repository.js';
import type { PaymentView, RefundView } from './schemas.js';

/** The public shape of a payments row (also the `data` of its events). */
export function paymentView(row: PaymentRow): PaymentView {
  return {
    id: row.id,
    object: 'payment',
    order_id: row.order_id,
    amount: row.amount,
    currency: row.currency,
    status: row.status,
    payment_method: row.payment_method,
    decline_code: row.decline_code,
    amount_refunded: row.amount_refunded,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

/** The public shape of a refunds row (also the `data` of its events). */
export function refundView(row: RefundRow): RefundView {
  return {
    id: row.id,
    object: 'refund',
    payment_id: row.payment_id,
    amount: row.amount,
    status: row.status,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}
