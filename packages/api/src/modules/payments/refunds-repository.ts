import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, RefundStatus, RefundsTable } from '../../db/schema.js';
import { keysetPage, type PageRequest } from '../../platform/pagination/keyset.js';
import type { Page } from '../../platform/pagination/page.js';

export type RefundRow = Selectable<RefundsTable>;
type Executor = Kysely<Database>;

/**
 * Reserves `amount` of a succeeded payment for a refund in one guarded statement: concurrent
 * refunds can never add up to more than was captured.
 */
export async function reserveRefund(
  db: Executor,
  accountId: string,
  paymentId: string,
  amount: number,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('payments')
    .set((eb) => ({
      amount_refund_pending: eb('amount_refund_pending', '+', amount),
      updated_at: at,
    }))
    .where('account_id', '=', accountId)
    .where('id', '=', paymentId)
    .where('status', '=', 'succeeded')
    .where((eb) =>
      eb(
        eb(eb('amount_refunded', '+', eb.ref('amount_refund_pending')), '+', amount),
        '<=',
        eb.ref('amount'),
      ),
    )
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Settles a reservation: moves it to refunded (succeeded) or gives it back (failed). */
export async function settleRefund(
  db: Executor,
  paymentId: string,
  amount: number,
  succeeded: boolean,
  at: string,
): Promise<void> {
  await db
    .updateTable('payments')
    .set((eb) => ({
      amount_refund_pending: eb('amount_refund_pending', '-', amount),
      ...(succeeded ? { amount_refunded: eb('amount_refunded', '+', amount) } : {}),
      updated_at: at,
    }))
    .where('id', '=', paymentId)
    .execute();
}

export async function insertRefund(
  db: Executor,
  row: Insertable<RefundsTable>,
): Promise<RefundRow> {
  return db.insertInto('refunds').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findRefund(
  db: Executor,
  accountId: string,
  id: string,
): Promise<RefundRow | undefined> {
  return db
    .selectFrom('refunds')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function transitionRefund(
  db: Executor,
  id: string,
  from: RefundStatus[],
  changes: { status: RefundStatus; processor_refund_id?: string | null },
  at: string,
): Promise<RefundRow | undefined> {
  return db
    .updateTable('refunds')
    .set({ ...changes, updated_at: at })
    .where('id', '=', id)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
}

/** A page of one payment's refunds, newest first. */
export async function findRefundPage(
  db: Executor,
  accountId: string,
  filter: { paymentId: string } & PageRequest,
): Promise<Page<RefundRow>> {
  return keysetPage(
    db
      .selectFrom('refunds')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('payment_id', '=', filter.paymentId),
    filter,
  );
}

export async function findUnresolvedRefunds(
  db: Executor,
  before: string,
  limit: number,
): Promise<RefundRow[]> {
  return db
    .selectFrom('refunds')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('status', '=', 'requires_reconciliation'),
        eb.and([eb('status', '=', 'pending'), eb('updated_at', '<', before)]),
      ]),
    )
    .orderBy('updated_at')
    .limit(limit)
    .execute();
}
