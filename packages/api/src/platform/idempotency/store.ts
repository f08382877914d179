import type { Kysely, Selectable } from 'kysely';
import type { Database, IdempotencyKeysTable } from '../../db/schema.js';

/**
 * SQL of the idempotency records. Every write by the executing request is fenced by its lock
 * token (the `locked_at` it wrote): once another request has taken the key over, the old one's
 * writes match no row, and the caller turns that into an error that rolls its transaction back.
 */
export type IdempotencyRecord = Selectable<IdempotencyKeysTable>;
type Executor = Kysely<Database>;

export interface NewRecord {
  id: string;
  accountId: string;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
  /** ISO time: created_at and the first lock token. */
  now: string;
  expiresAt: string;
}

export interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string | null;
}

/** Inserts the record in flight; false when the key already exists in the account. */
export async function insertRecord(db: Executor, record: NewRecord): Promise<boolean> {
  const inserted = await db
    .insertInto('idempotency_keys')
    .values({
      id: record.id,
      account_id: record.accountId,
      key: record.key,
      request_fingerprint: record.fingerprint,
      request_method: record.method,
      request_path: record.path,
      status: 'in_flight',
      locked_at: record.now,
      created_at: record.now,
      expires_at: record.expiresAt,
    })
    .onConflict((conflict) => conflict.columns(['account_id', 'key']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function findRecord(
  db: Executor,
  accountId: string,
  key: string,
): Promise<IdempotencyRecord | undefined> {
  return db
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('key', '=', key)
    .executeTakeFirst();
}

/** Frees the key of an expired record (the purge job may not have run yet). */
export async function deleteExpiredRecord(db: Executor, id: string, now: string): Promise<void> {
  await db
    .deleteFrom('idempotency_keys')
    .where('id', '=', id)
    .where('expires_at', '<=', now)
    .execute();
}

/**
 * Takes over an in-flight record whose lock is older than `staleBefore` or was released. One
 * statement, so of two requests racing for it exactly one gets the row back.
 */
export async function takeOverRecord(
  db: Executor,
  id: string,
  lockToken: string,
  staleBefore: string,
): Promise<IdempotencyRecord | undefined> {
  return db
    .updateTable('idempotency_keys')
    .set({ locked_at: lockToken })
    .where('id', '=', id)
    .where('status', '=', 'in_flight')
    .where((eb) => eb.or([eb('locked_at', 'is', null), eb('locked_at', '<', staleBefore)]))
    .returningAll()
    .executeTakeFirst();
}

/** The record, if it is still in flight under this lock token. */
function owned(db: Executor, id: string, lockToken: string) {
  return db
    .updateTable('idempotency_keys')
    .where('id', '=', id)
    .where('status', '=', 'in_flight')
    .where('locked_at', '=', lockToken);
}

const changed = (result: { numUpdatedRows: bigint }) => result.numUpdatedRows > 0n;

export async function advanceRecord(
  db: Executor,
  id: string,
  lockToken: string,
  point: string,
  resourceId: string | undefined,
): Promise<boolean> {
  const result = await owned(db, id, lockToken)
    .set({
      recovery_point: point,
      ...(resourceId !== undefined ? { resource_id: resourceId } : {}),
    })
    .executeTakeFirst();
  return changed(result);
}

export async function completeRecord(
  db: Executor,
  id: string,
  lockToken: string,
  response: StoredResponse,
): Promise<boolean> {
  const result = await owned(db, id, lockToken)
    .set({
      status: 'completed',
      locked_at: null,
      response_status: response.status,
      response_headers: JSON.stringify(response.headers),
      response_body: response.body,
    })
    .executeTakeFirst();
  return changed(result);
}

/** Unlocks the record so a retry resumes from its recovery point at once. */
export async function releaseRecord(db: Executor, id: string, lockToken: string): Promise<boolean> {
  return changed(await owned(db, id, lockToken).set({ locked_at: null }).executeTakeFirst());
}

/** Deletes a record that never got past 'started': nothing happened, so a retry runs afresh. */
export async function discardUnstartedRecord(
  db: Executor,
  id: string,
  lockToken: string,
): Promise<boolean> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('id', '=', id)
    .where('status', '=', 'in_flight')
    .where('locked_at', '=', lockToken)
    .where('recovery_point', '=', 'started')
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Deletes up to `limit` expired records; returns how many. */
export async function deleteExpiredBatch(
  db: Executor,
  now: string,
  limit: number,
): Promise<number> {
  const ids = await db
    .selectFrom('idempotency_keys')
    .select('id')
    .where('expires_at', '<=', now)
    .orderBy('expires_at')
    .limit(limit)
    .execute();
  if (ids.length === 0) return 0;
  const result = await db
    .deleteFrom('idempotency_keys')
    .where(
      'id',
      'in',
      ids.map((row) => row.id),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
