import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { newId } from '../../platform/ids/ids.js';

type Executor = Kysely<Database>;

/** Appends an event; callers pass their transaction so the event commits with the change. */
export async function insertEvent(
  db: Executor,
  accountId: string,
  type: string,
  resourceId: string,
  data: unknown,
  at: string,
): Promise<void> {
  await db
    .insertInto('events')
    .values({
      id: newId('evt'),
      account_id: accountId,
      type,
      resource_id: resourceId,
      data: JSON.stringify(data),
      created_at: at,
    })
    .execute();
}
