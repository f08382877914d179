import { toIso, toIsoOrNull } from '../../db/timestamps.js';
import type { OrderItemRow, OrderRow } from './repository.js';
import type { OrderView } from './schemas.js';

/** An order as the API shows it, plus its version (the ETag; not a field of the body). */
export interface Order extends OrderView {
  version: number;
}

/** The public shape of an orders row and its items (in position order). */
export function toOrder(row: OrderRow, items: OrderItemRow[]): Order {
  return {
    id: row.id,
    object: 'order',
    user_id: row.user_id,
    currency: row.currency,
    status: row.status,
    total_amount: row.total_amount,
    amount_paid: row.amount_paid,
    amount_refunded: row.amount_refunded,
    items: items.map((item) => ({
      id: item.id,
      object: 'order_item' as const,
      name: item.name,
      sku: item.sku,
      quantity: item.quantity,
      unit_amount: item.unit_amount,
      amount: item.amount,
    })),
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
    canceled_at: toIsoOrNull(row.canceled_at),
    version: row.version,
  };
}
