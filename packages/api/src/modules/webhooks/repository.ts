import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type {
  Database,
  WebhookDeliveriesTable,
  WebhookDeliveryAttemptsTable,
  WebhookEndpointsTable,
} from '../../db/schema.js';
import { keysetPage, type PageRequest } from '../../platform/pagination/keyset.js';
import type { Page } from '../../platform/pagination/page.js';

export type EndpointRow = Selectable<WebhookEndpointsTable>;
export type DeliveryRow = Selectable<WebhookDeliveriesTable>;
export type AttemptRow = Selectable<WebhookDeliveryAttemptsTable>;
type Executor = Kysely<Database>;

export async function insertEndpoint(
  db: Executor,
  row: Insertable<WebhookEndpointsTable>,
): Promise<EndpointRow> {
  return db.insertInto('webhook_endpoints').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findEndpoint(
  db: Executor,
  accountId: string,
  id: string,
): Promise<EndpointRow | undefined> {
  return db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** Newest first (keyset on id). */
export async function findEndpointPage(
  db: Executor,
  accountId: string,
  page: PageRequest,
): Promise<Page<EndpointRow>> {
  return keysetPage(
    db.selectFrom('webhook_endpoints').selectAll().where('account_id', '=', accountId),
    page,
  );
}

export async function updateEndpoint(
  db: Executor,
  accountId: string,
  id: string,
  changes: Updateable<WebhookEndpointsTable>,
): Promise<EndpointRow | undefined> {
  return db
    .updateTable('webhook_endpoints')
    .set(changes)
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirst();
}

/** Deletes the endpoint and its deliveries; pass a transaction so both go or neither. */
export async function deleteEndpoint(db: Executor, accountId: string, id: string) {
  await db
    .deleteFrom('webhook_deliveries')
    .where('account_id', '=', accountId)
    .where('endpoint_id', '=', id)
    .execute();
  const result = await db
    .deleteFrom('webhook_endpoints')
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** A delivery with the type of its event, for the delivery log. */
export type DeliveryLogRow = DeliveryRow & { event_type: string };

/** Newest first (keyset on id), with the type of each event (one query for the page). */
export async function findDeliveryPage(
  db: Executor,
  accountId: string,
  endpointId: string,
  page: PageRequest,
): Promise<Page<DeliveryLogRow>> {
  const deliveries = await keysetPage(
    db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('endpoint_id', '=', endpointId),
    page,
  );
  const eventIds = deliveries.items.map((d) => d.event_id);
  const types = new Map(
    eventIds.length === 0
      ? []
      : (
          await db
            .selectFrom('events')
            .select(['id', 'type'])
            .where('account_id', '=', accountId)
            .where('id', 'in', eventIds)
            .execute()
        ).map((e) => [e.id, e.type]),
  );
  return {
    items: deliveries.items.map((d) => ({ ...d, event_type: types.get(d.event_id) ?? '' })),
    hasMore: deliveries.hasMore,
  };
}

export async function findDelivery(
  db: Executor,
  accountId: string,
  endpointId: string,
  id: string,
): Promise<DeliveryLogRow | undefined> {
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .selectAll('d')
    .select('e.type as event_type')
    .where('d.account_id', '=', accountId)
    .where('d.endpoint_id', '=', endpointId)
    .where('d.id', '=', id)
    .executeTakeFirst();
}

/**
 * Makes a delivery due now, unless a worker holds it (then it is already being attempted). A
 * delivery no worker holds has `claimed_by` null.
 */
export async function rescheduleDelivery(
  db: Executor,
  accountId: string,
  endpointId: string,
  id: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: at, updated_at: at })
    .where('account_id', '=', accountId)
    .where('endpoint_id', '=', endpointId)
    .where('id', '=', id)
    .where('claimed_by', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** The last `limit` attempts of a delivery, newest first. */
export async function findAttempts(
  db: Executor,
  accountId: string,
  deliveryId: string,
  limit: number,
): Promise<AttemptRow[]> {
  return db
    .selectFrom('webhook_delivery_attempts')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('delivery_id', '=', deliveryId)
    .orderBy('attempt', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}
