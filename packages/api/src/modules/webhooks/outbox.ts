import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { newId } from '../../platform/ids/ids.js';
import { wants } from './event-types.js';

type Executor = Kysely<Database>;

/**
 * The outbox: appends an event and, in the same transaction, one pending delivery per enabled
 * endpoint of the account that subscribes to its type. Callers pass their transaction, so the
 * event and its deliveries commit (or roll back) with the change they report; the worker never
 * has to find events with a cursor, which could skip one whose transaction committed late.
 */
export async function appendEvent(
  trx: Executor,
  accountId: string,
  type: string,
  resourceId: string,
  data: unknown,
  at: string,
): Promise<string> {
  const eventId = newId('evt');
  await trx
    .insertInto('events')
    .values({
      id: eventId,
      account_id: accountId,
      type,
      resource_id: resourceId,
      data: JSON.stringify(data),
      created_at: at,
    })
    .execute();
  const endpoints = await trx
    .selectFrom('webhook_endpoints')
    .select(['id', 'event_types'])
    .where('account_id', '=', accountId)
    .where('enabled', '=', 1)
    .execute();
  const targets = endpoints.filter((e) => wants(JSON.parse(e.event_types) as string[], type));
  if (targets.length > 0) {
    await trx
      .insertInto('webhook_deliveries')
      .values(
        targets.map((endpoint) => ({
          id: newId('whd'),
          account_id: accountId,
          endpoint_id: endpoint.id,
          event_id: eventId,
          status: 'pending' as const,
          next_attempt_at: at,
          created_at: at,
          updated_at: at,
        })),
      )
      .execute();
  }
  return eventId;
}
