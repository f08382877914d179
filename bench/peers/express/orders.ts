import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Database } from 'better-sqlite3';

interface OrderRow {
  id: string;
  user_id: string;
  currency: string;
  status: string;
  total_amount: number;
  amount_paid: number;
  amount_refunded: number;
  created_at: string;
  updated_at: string;
  canceled_at: string | null;
  version: number;
}

interface ItemRow {
  id: string;
  order_id: string;
  name: string;
  sku: string | null;
  quantity: number;
  unit_amount: number;
  amount: number;
}

const ORDER_COLUMNS =
  'id, user_id, currency, status, total_amount, amount_paid, amount_refunded, created_at, updated_at, canceled_at, version';
const ITEM_COLUMNS = 'id, order_id, name, sku, quantity, unit_amount, amount';
const iso = (value: string) => new Date(value).toISOString();

/** An order in the API's public (v1) shape, the same keys in the same order, and its version. */
function present(row: OrderRow, items: ItemRow[]) {
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
      object: 'order_item',
      name: item.name,
      sku: item.sku,
      quantity: item.quantity,
      unit_amount: item.unit_amount,
      amount: item.amount,
    })),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    canceled_at: row.canceled_at === null ? null : iso(row.canceled_at),
  };
}

export type OrderView = ReturnType<typeof present>;

/**
 * The two reads with better-sqlite3 prepared statements: one order with its items (two
 * statements, tenant-scoped), and a keyset page newest first with the items of all its orders
 * in one more statement (no N+1), as the API reads them.
 */
export function orderQueries(db: Database) {
  const orderById = db.prepare<[string, string], OrderRow>(
    `select ${ORDER_COLUMNS} from orders where account_id = ? and id = ?`,
  );
  const itemsOf = db.prepare<[string, string], ItemRow>(
    `select ${ITEM_COLUMNS} from order_items where account_id = ? and order_id = ? order by position`,
  );
  const firstPage = db.prepare<[string, number], OrderRow>(
    `select ${ORDER_COLUMNS} from orders where account_id = ? order by id desc limit ?`,
  );
  const pageAfter = db.prepare<[string, string, number], OrderRow>(
    `select ${ORDER_COLUMNS} from orders where account_id = ? and id < ? order by id desc limit ?`,
  );
  // One statement per page size (at most 100), prepared once.
  const itemsOfMany = new Map<number, ReturnType<typeof db.prepare<string[], ItemRow>>>();
  const itemsOfOrders = (accountId: string, ids: string[]) => {
    let statement = itemsOfMany.get(ids.length);
    if (!statement) {
      statement = db.prepare<string[], ItemRow>(
        `select ${ITEM_COLUMNS} from order_items where account_id = ? and order_id in (${ids.map(() => '?').join(', ')}) order by order_id, position`,
      );
      itemsOfMany.set(ids.length, statement);
    }
    return statement.all(accountId, ...ids);
  };

  return {
    /** The order and its version (the ETag), or undefined (also for another tenant's order). */
    get(accountId: string, id: string): { view: OrderView; version: number } | undefined {
      const row = orderById.get(accountId, id);
      if (!row) return undefined;
      return { view: present(row, itemsOf.all(accountId, id)), version: row.version };
    },

    /** A page of `limit` orders after `afterId`, and whether more follow. */
    list(accountId: string, limit: number, afterId?: string) {
      const rows =
        afterId === undefined
          ? firstPage.all(accountId, limit + 1)
          : pageAfter.all(accountId, afterId, limit + 1);
      const page = rows.slice(0, limit);
      const items =
        page.length === 0
          ? []
          : itemsOfOrders(
              accountId,
              page.map((r) => r.id),
            );
      const byOrder = new Map<string, ItemRow[]>();
      for (const item of items) {
        const list = byOrder.get(item.order_id);
        if (list) list.push(item);
        else byOrder.set(item.order_id, [item]);
      }
      return {
        views: page.map((row) => present(row, byOrder.get(row.id) ?? [])),
        hasMore: rows.length > limit,
      };
    },
  };
}

const CURSOR_VERSION = 'c2:';
const TAG_BYTES = 16;

/** The API's signed cursor format (truncated HMAC-SHA256 over tenant, list path and last id). */
export function cursorCodec(secret: string) {
  const tag = (scope: string, id: string) =>
    createHmac('sha256', secret).update(`${scope}\n${id}`).digest().subarray(0, TAG_BYTES);
  return {
    encode(scope: string, lastId: string): string {
      return Buffer.concat([Buffer.from(CURSOR_VERSION + lastId), tag(scope, lastId)]).toString(
        'base64url',
      );
    },
    decode(scope: string, cursor: string): string | undefined {
      const bytes = Buffer.from(cursor, 'base64url');
      if (bytes.length <= TAG_BYTES || bytes.toString('base64url') !== cursor) return undefined;
      const text = bytes.subarray(0, -TAG_BYTES).toString('utf8');
      const id = text.slice(CURSOR_VERSION.length);
      return text.startsWith(CURSOR_VERSION) &&
        timingSafeEqual(tag(scope, id), bytes.subarray(-TAG_BYTES))
        ? id
        : undefined;
    },
  };
}
