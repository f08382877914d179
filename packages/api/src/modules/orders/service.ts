import {
  withoutVersion,
  type VersionPrecondition,
} from '../../platform/caching/conditional-requests.js';
import type { ResourceCache } from '../../platform/caching/resource-cache.js';
import type { Kysely } from 'kysely';
import { isForeignKeyViolation } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import {
  ApiError,
  notFound,
  preconditionFailed,
  validationFailed,
} from '../../platform/errors/api-error.js';
import { newId } from '../../platform/ids/ids.js';
import { mapPage, type Page } from '../../platform/pagination/page.js';
import { appendEvent } from '../webhooks/outbox.js';
import * as repo from './repository.js';
import type { CreateOrderInput } from './schemas.js';
import { toOrder, type Order } from './views.js';

export type { Order } from './views.js';

// Intl knows the ISO 4217 codes; the schema only checks the shape.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

const noSuchUser = () =>
  validationFailed({ in: 'body', pointer: '/user_id', detail: 'no user with this id exists' });

/** The invalidation kind (and metric label) of cached orders; the id is `<account>:<order>`. */
export const ORDER_CACHE_KIND = 'order';

/**
 * Orders: the server prices them; only pending orders can be canceled. With `cache`, single-order
 * reads are served from memory; every write that changes an order row (here and in payments)
 * invalidates it after committing.
 */
export function createOrdersService(deps: { db: Kysely<Database>; cache?: ResourceCache<Order> }) {
  const { db, cache } = deps;
  const reads = repo.createOrderReads(db);

  /** Straight from the database: decisions about a write never rest on a cached copy. */
  async function load(accountId: string, id: string): Promise<Order | undefined> {
    const row = await repo.findOrderById(db, accountId, id);
    if (!row) return undefined;
    return toOrder(row, await reads.itemsOf(accountId, [id]));
  }

  async function loadOrFail(accountId: string, id: string): Promise<Order> {
    const order = await load(accountId, id);
    if (!order) throw notFound('order', id);
    return order;
  }

  return {
    /** One order, from the cache when present. */
    async get(accountId: string, id: string): Promise<Order> {
      const order = cache
        ? await cache.get(accountId, id, () => load(accountId, id))
        : await load(accountId, id);
      if (!order) throw notFound('order', id);
      return order;
    },

    /** `onCommit` runs inside the insert's transaction (e.g. to record the idempotent response). */
    async create(
      accountId: string,
      input: CreateOrderInput,
      onCommit?: (trx: Kysely<Database>, order: Order) => Promise<void>,
    ): Promise<Order> {
      if (!CURRENCIES.has(input.currency)) {
        throw validationFailed({
          in: 'body',
          pointer: '/currency',
          detail: 'is not an ISO 4217 currency code',
        });
      }
      // An order of nothing to pay could never be paid (a payment is at least 1 minor unit) and
      // would sit in pending_payment for ever: refused here, documented in README "Orders".
      if (input.items.every((item) => item.unit_amount === 0)) {
        throw validationFailed({
          in: 'body',
          pointer: '/items',
          detail:
            'add up to 0; an order must total at least 1 minor unit (free items are fine beside priced ones)',
        });
      }
      if (!(await repo.userExists(db, accountId, input.user_id))) throw noSuchUser();
      const now = new Date().toISOString();
      const orderId = newId('ord');
      const items = input.items.map((item, position) => ({
        id: newId('item'),
        account_id: accountId,
        order_id: orderId,
        position,
        name: item.name,
        sku: item.sku ?? null,
        quantity: item.quantity,
        unit_amount: item.unit_amount,
        amount: item.quantity * item.unit_amount,
      }));
      const order = {
        id: orderId,
        account_id: accountId,
        user_id: input.user_id,
        currency: input.currency,
        status: 'pending_payment' as const,
        total_amount: items.reduce((sum, item) => sum + item.amount, 0),
        created_at: now,
        updated_at: now,
        canceled_at: null,
      };
      try {
        return await db.transaction().execute(async (trx) => {
          const created = toOrder(await repo.insertOrder(trx, order, items), items);
          await appendOrderEvent(trx, accountId, 'order.created', created, now);
          await onCommit?.(trx, created);
          return created;
        });
      } catch (error) {
        // The user was deleted between the check and the insert.
        if (isForeignKeyViolation(error)) throw noSuchUser();
        throw error;
      }
    },

    async list(
      accountId: string,
      query: { userId?: string; status?: Order['status']; afterId?: string; limit: number },
    ): Promise<Page<Order>> {
      const page = await reads.page(accountId, query);
      const items = await reads.itemsOf(
        accountId,
        page.items.map((o) => o.id),
      );
      const byOrder = new Map<string, repo.OrderItemRow[]>();
      for (const item of items) {
        const ofOrder = byOrder.get(item.order_id);
        if (ofOrder) ofOrder.push(item);
        else byOrder.set(item.order_id, [item]);
      }
      return mapPage(page, (row) => toOrder(row, byOrder.get(row.id) ?? []));
    },

    async cancel(accountId: string, id: string, precondition: VersionPrecondition): Promise<Order> {
      const at = new Date().toISOString();
      // The cancel and its event (the webhook outbox) commit together.
      const canceled = await db.transaction().execute(async (trx) => {
        const row = await repo.cancelOrder(
          trx,
          accountId,
          id,
          at,
          precondition === 'any' ? undefined : precondition,
        );
        if (!row) return undefined;
        const order = toOrder(row, await repo.findItemsOfOrders(trx, accountId, [id]));
        await appendOrderEvent(trx, accountId, 'order.canceled', order, at);
        return order;
      });
      if (canceled) {
        await cache?.invalidate(accountId, id);
        return canceled;
      }
      const current = await loadOrFail(accountId, id); // 404 when absent from this account
      if (Array.isArray(precondition) && !precondition.includes(current.version))
        throw preconditionFailed();
      throw new ApiError(
        'order_not_cancelable',
        current.status === 'pending_payment'
          ? 'The order has a payment in progress or succeeded and can no longer be canceled.'
          : `The order is ${current.status}; only pending_payment orders can be canceled.`,
      );
    },
  };
}

export type OrdersService = ReturnType<typeof createOrdersService>;

/** The order as the API shows it (no version), as an event in the webhook outbox. */
function appendOrderEvent(
  trx: Kysely<Database>,
  accountId: string,
  type: 'order.created' | 'order.canceled',
  order: Order,
  at: string,
) {
  return appendEvent(trx, accountId, type, order.id, withoutVersion(order), at);
}
