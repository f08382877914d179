import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import { precompileByShape } from '../../db/precompiled.js';
import type { Database, OrderItemsTable, OrdersTable } from '../../db/schema.js';
import { keysetPageOf, keysetQuery, type PageRequest } from '../../platform/pagination/keyset.js';
import type { Page } from '../../platform/pagination/page.js';

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

/** A page of the account's orders, newest first; each filter has a matching (account_id, …, id) index. */
export async function findOrderPage(
  db: Executor,
  accountId: string,
  filter: { userId?: string; status?: OrderRow['status'] } & PageRequest,
): Promise<Page<OrderRow>> {
  const { limit, ...rest } = filter;
  return keysetPageOf(
    await orderPageQuery(db, { accountId, ...rest, rows: limit + 1 }).execute(),
    limit,
  );
}

/** Items of many orders in one query: a list page costs two queries whatever its size (no N+1). */
export async function findItemsOfOrders(
  db: Executor,
  accountId: string,
  orderIds: string[],
): Promise<OrderItemRow[]> {
  if (orderIds.length === 0) return [];
  return itemsOfOrdersQuery(db, { accountId, orderIds }).execute();
}

function itemsOfOrdersQuery(db: Executor, params: { accountId: string; orderIds: string[] }) {
  return db
    .selectFrom('order_items')
    .selectAll()
    .where('account_id', '=', params.accountId)
    .where('order_id', 'in', params.orderIds)
    .orderBy('order_id')
    .orderBy('position');
}

type OrderPageParams = {
  accountId: string;
  userId?: string;
  status?: OrderRow['status'];
  afterId?: string;
  rows: number;
};

function orderPageQuery(db: Executor, params: OrderPageParams) {
  let query = db.selectFrom('orders').selectAll().where('account_id', '=', params.accountId);
  if (params.userId !== undefined) query = query.where('user_id', '=', params.userId);
  if (params.status !== undefined) query = query.where('status', '=', params.status);
  return keysetQuery(query, params);
}

/**
 * The list's two reads (a page of orders, then their items) compiled once per shape and run with
 * new values (db/precompiled.ts): every list page that misses the list cache runs both, and
 * building them with Kysely each time was a measured share of such a request (bench/RESULTS.md,
 * issue 19). The same SQL as findOrderPage and findItemsOfOrders; outside a transaction only.
 */
export function createOrderReads(db: Kysely<Database>) {
  const pageRows = precompileByShape(db, orderPageQuery);
  const itemRows = precompileByShape(db, itemsOfOrdersQuery);
  return {
    /** findOrderPage, precompiled. */
    async page(
      accountId: string,
      filter: { userId?: string; status?: OrderRow['status'] } & PageRequest,
    ): Promise<Page<OrderRow>> {
      const rows = await pageRows({
        accountId,
        userId: filter.userId,
        status: filter.status,
        afterId: filter.afterId,
        rows: filter.limit + 1,
      });
      return keysetPageOf(rows, filter.limit);
    },
    /** findItemsOfOrders, precompiled. */
    async itemsOf(accountId: string, orderIds: string[]): Promise<OrderItemRow[]> {
      if (orderIds.length === 0) return [];
      return itemRows({ accountId, orderIds });
    },
  };
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

/*
 * The order's money state machine: amount committed (held by open payments), paid, refunded, and
 * the status they drive. Payments call these inside their own transactions, so the hold, the
 * payment row and its event commit together; no other module writes the orders table.
 */

/** What a payment needs to know of its order: status, currency and amounts. */
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
