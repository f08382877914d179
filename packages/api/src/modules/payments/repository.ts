import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, PaymentStatus, PaymentsTable } from '../../db/schema.js';

export type PaymentRow = Selectable<PaymentsTable>;
type Executor = Kysely<Database>;

export async function findOrderForPayment(db: Executor, accountId: string, orderId: string) {
  return db
    .selectFrom('orders')
    .select([
      'id',
      'status',
      'currency',
      'total_amount',
      'amount_committed',
      'amount_paid',
      'amount_refunded',
    ])
    .where('account_id', '=', accountId)
    .where('id', '=', orderId)
    .executeTakeFirst();
}

/**
 * Reserves `amount` of the order's balance for a new payment in one guarded statement, so two
 * concurrent payments (with different idempotency keys) can never overpay. False if refused.
 */
export async function commitOrderAmount(
  db: Executor,
  accountId: string,
  orderId: string,
  amount: number,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('orders')
    .set((eb) => ({
      amount_committed: eb('amount_committed', '+', amount),
      updated_at: at,
      version: eb('version', '+', 1),
    }))
    .where('account_id', '=', accountId)
    .where('id', '=', orderId)
    .where('status', '=', 'pending_payment')
    .where((eb) => eb(eb('amount_committed', '+', amount), '<=', eb.ref('total_amount')))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Gives back a failed payment's reservation. */
export async function releaseOrderAmount(
  db: Executor,
  orderId: string,
  amount: number,
  at: string,
): Promise<void> {
  await db
    .updateTable('orders')
    .set((eb) => ({
      amount_committed: eb('amount_committed', '-', amount),
      updated_at: at,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', orderId)
    .execute();
}

/** Books a succeeded payment; the order becomes `paid` once fully paid. */
export async function addOrderPayment(
  db: Executor,
  orderId: string,
  amount: number,
  at: string,
): Promise<void> {
  await db
    .updateTable('orders')
    .set((eb) => ({
      amount_paid: eb('amount_paid', '+', amount),
      status: eb
        .case()
        .when(eb(eb('amount_paid', '+', amount), '>=', eb.ref('total_amount')))
        .then('paid' as const)
        .else(eb.ref('status'))
        .end(),
      updated_at: at,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', orderId)
    .execute();
}

/** Books a succeeded refund on the order: `refunded` once everything paid is returned. */
export async function addOrderRefund(
  db: Executor,
  orderId: string,
  amount: number,
  at: string,
): Promise<void> {
  await db
    .updateTable('orders')
    .set((eb) => ({
      amount_refunded: eb('amount_refunded', '+', amount),
      status: eb
        .case()
        .when(eb(eb('amount_refunded', '+', amount), '>=', eb.ref('amount_paid')))
        .then('refunded' as const)
        .else('partially_refunded' as const)
        .end(),
      updated_at: at,
      version: eb('version', '+', 1),
    }))
    .where('id', '=', orderId)
    .where('status', 'in', ['paid', 'partially_refunded'])
    .execute();
}

export async function insertPayment(
  db: Executor,
  row: Insertable<PaymentsTable>,
): Promise<PaymentRow> {
  return db.insertInto('payments').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findPayment(
  db: Executor,
  accountId: string,
  id: string,
): Promise<PaymentRow | undefined> {
  return db
    .selectFrom('payments')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Moves a payment out of `from` in one guarded statement; undefined if it was not in `from`. */
export async function transitionPayment(
  db: Executor,
  id: string,
  from: PaymentStatus[],
  changes: {
    status: PaymentStatus;
    decline_code?: string | null;
    processor_charge_id?: string | null;
  },
  at: string,
): Promise<PaymentRow | undefined> {
  return db
    .updateTable('payments')
    .set({ ...changes, updated_at: at })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
}

/** Marks a processing payment as actively worked on, so reconciliation leaves it alone for a while. */
export async function touchPayment(db: Executor, id: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('payments')
    .set({ updated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'processing')
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function findPaymentPage(
  db: Executor,
  accountId: string,
  filter: { orderId?: string; status?: PaymentStatus; afterId?: string; limit: number },
): Promise<PaymentRow[]> {
  let query = db.selectFrom('payments').selectAll().where('account_id', '=', accountId);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.afterId !== undefined) query = query.where('id', '<', filter.afterId);
  return query
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
}

/** Payments whose outcome is open: awaiting reconciliation, or processing and idle since `before`. */
export async function findUnresolvedPayments(
  db: Executor,
  before: string,
  limit: number,
): Promise<PaymentRow[]> {
  return db
    .selectFrom('payments')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('status', '=', 'requires_reconciliation'),
        eb.and([eb('status', '=', 'processing'), eb('updated_at', '<', before)]),
      ]),
    )
    .orderBy('updated_at')
    .limit(limit)
    .execute();
}
