import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { Database, OrderItemsTable, OrdersTable } from '../../db/schema.js';

export type OrderRow = Selectable<OrdersTable>;
export type OrderItemRow = Selectable<OrderItemsTable>;
type Executor = Kysely<Database> | Transaction<Database>;

export async function insertOrder(
  trx: Executor,
  order: Insertable<OrdersTable>,
  items: Insertable<OrderItemsTable>[],
): Promise<OrderRow> {
  const row = await trx.insertInto('orders').values(order).returningAll().executeTakeFirstOrThrow();
  await trx.insertInto('order_items').values(items).execute();
  return row;
}

export async function findOrderById(
  db: Executor,
  accountId: string,
  id: string,
): Promise<OrderRow | undefined> {
  return db
    .selectFrom('orders')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Newest first, keyset on id, `limit + 1` rows; each filter has a matching (account_id, …, id) index. */
export async function findOrderPage(
  db: Executor,
  accountId: string,
  filter: { userId?: string; status?: OrderRow['status']; afterId?: string; limit: number },
): Promise<OrderRow[]> {
  let query = db.selectFrom('orders').selectAll().where('account_id', '=', accountId);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.afterId !== undefined) query = query.where('id', '<', filter.afterId);
  return query
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
}

/** Items of many orders in one query: a list page costs two queries whatever its size (no N+1). */
export async function findItemsOfOrders(
  db: Executor,
  accountId: string,
  orderIds: string[],
): Promise<OrderItemRow[]> {
  if (orderIds.length === 0) return [];
  return db
    .selectFrom('order_items')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('order_id', 'in', orderIds)
    .orderBy('order_id')
    .orderBy('position')
    .execute();
}

export async function userExists(
  db: Executor,
  accountId: string,
  userId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where('account_id', '=', accountId)
    .where('id', '=', userId)
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Moves a pending order to canceled in one statement, guarded by status and (optionally) version,
 * so two concurrent cancels or a cancel racing a payment cannot both win.
 */
export async function cancelOrder(
  db: Executor,
  accountId: string,
  id: string,
  at: string,
  versions: number[] | undefined,
): Promise<OrderRow | undefined> {
  let query = db
    .updateTable('orders')
    .set((eb) => ({
      status: 'canceled' as const,
      canceled_at: at,
      updated_at: at,
      version: eb('version', '+', 1),
    }))
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('status', '=', 'pending_payment')
    // A payment in progress or succeeded holds part of the order: it can no longer be canceled.
    .where('amount_committed', '=', 0);
  if (versions !== undefined)
    query = query.where('version', 'in', versions.length > 0 ? versions : [-1]);
  return query.returningAll().executeTakeFirst();
}
