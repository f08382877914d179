import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, PaymentStatus, PaymentsTable } from '../../db/schema.js';
import { keysetPage, type PageRequest } from '../../platform/pagination/keyset.js';
import type { Page } from '../../platform/pagination/page.js';

export type PaymentRow = Selectable<PaymentsTable>;
type Executor = Kysely<Database>;

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

/** A page of the account's payments, newest first, optionally of one order or status. */
export async function findPaymentPage(
  db: Executor,
  accountId: string,
  filter: { orderId?: string; status?: PaymentStatus } & PageRequest,
): Promise<Page<PaymentRow>> {
  let query = db.selectFrom('payments').selectAll().where('account_id', '=', accountId);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  return keysetPage(query, filter);
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
