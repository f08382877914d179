import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { appendEvent } from '../webhooks/outbox.js';

type Executor = Kysely<Database>;

/**
 * Appends an event and its webhook deliveries (the outbox, modules/webhooks/outbox.ts); callers
 * pass their transaction so both commit with the change.
 */
export async function insertEvent(
  db: Executor,
  accountId: string,
  type: string,
  resourceId: string,
  data: unknown,
  at: string,
): Promise<void> {
  await appendEvent(db, accountId, type, resourceId, data, at);
}
