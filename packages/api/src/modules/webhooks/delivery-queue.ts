import type { Insertable, Kysely } from 'kysely';
import type { Dialect } from '../../db/database.js';
import type {
  Database,
  WebhookDeliveryAttemptsTable,
  WebhookDeliveryStatus,
} from '../../db/schema.js';
import type { EndpointRow } from './repository.js';

type Executor = Kysely<Database>;

/** A claimed delivery with what it takes to send it. */
export interface ClaimedDelivery {
  id: string;
  account_id: string;
  endpoint_id: string;
  event_id: string;
  attempts: number;
  event_type: string;
  event_data: string;
  event_created_at: Date | string;
}

/**
 * Claims up to `limit` due deliveries of enabled endpoints for `claimToken`: their
 * `next_attempt_at` moves to the end of the lease, so no other worker takes them, and if this one
 * dies they are due again once the lease ends. On PostgreSQL the candidate rows are locked with
 * `FOR UPDATE SKIP LOCKED`, so concurrent workers take disjoint sets without waiting; on SQLite
 * the single UPDATE is atomic (one writer at a time).
 */
export async function claimDue(
  db: Executor,
  dialect: Dialect,
  options: { claimToken: string; now: string; leaseUntil: string; limit: number },
): Promise<ClaimedDelivery[]> {
  let due = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
    .select('d.id')
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', options.now)
    .where('w.enabled', '=', 1)
    .orderBy('d.next_attempt_at')
    .limit(options.limit);
  if (dialect === 'postgres') due = due.forUpdate('d').skipLocked();
  const claimed = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      next_attempt_at: options.leaseUntil,
      claimed_by: options.claimToken,
      attempts: eb('attempts', '+', 1),
    }))
    .where('id', 'in', due)
    .where('status', '=', 'pending')
    .returning(['id'])
    .execute();
  if (claimed.length === 0) return [];
  return db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('events as e', 'e.id', 'd.event_id')
    .select([
      'd.id',
      'd.account_id',
      'd.endpoint_id',
      'd.event_id',
      'd.attempts',
      'e.type as event_type',
      'e.data as event_data',
      'e.created_at as event_created_at',
    ])
    .where(
      'd.id',
      'in',
      claimed.map((c) => c.id),
    )
    .where('d.claimed_by', '=', options.claimToken)
    .orderBy('d.next_attempt_at')
    .orderBy('d.id')
    .execute();
}

export async function findEndpointsByIds(db: Executor, ids: string[]): Promise<EndpointRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('webhook_endpoints').selectAll().where('id', 'in', ids).execute();
}

/** Records an attempt's outcome, only if this claim still holds the delivery. */
export async function completeAttempt(
  db: Executor,
  id: string,
  claimToken: string,
  outcome: {
    status: WebhookDeliveryStatus;
    nextAttemptAt: string;
    at: string;
    responseStatus: number | null;
    error: string | null;
    durationMs: number | null;
  },
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set({
      status: outcome.status,
      next_attempt_at: outcome.nextAttemptAt,
      claimed_by: null,
      last_attempt_at: outcome.at,
      last_response_status: outcome.responseStatus,
      last_error: outcome.error,
      last_duration_ms: outcome.durationMs,
      updated_at: outcome.at,
    })
    .where('id', '=', id)
    .where('claimed_by', '=', claimToken)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/**
 * Gives a claimed delivery back unattempted (a worker shutting down): due at `at`, and its claim's
 * attempt uncounted. Only while this claim still holds it.
 */
export async function releaseClaim(
  db: Executor,
  id: string,
  claimToken: string,
  at: string,
): Promise<boolean> {
  const result = await db
    .updateTable('webhook_deliveries')
    .set((eb) => ({
      next_attempt_at: at,
      claimed_by: null,
      attempts: eb('attempts', '-', 1),
      updated_at: at,
    }))
    .where('id', '=', id)
    .where('claimed_by', '=', claimToken)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Appends one attempt to the delivery's history; in the transaction that records its outcome. */
export async function insertAttempt(
  db: Executor,
  row: Insertable<WebhookDeliveryAttemptsTable>,
): Promise<void> {
  await db.insertInto('webhook_delivery_attempts').values(row).execute();
}

export async function resetFailures(db: Executor, endpointId: string): Promise<void> {
  await db
    .updateTable('webhook_endpoints')
    .set({ consecutive_failures: 0 })
    .where('id', '=', endpointId)
    .where('consecutive_failures', '>', 0)
    .execute();
}

/** Counts a failed attempt; returns the endpoint if this failure crossed the threshold. */
export async function countFailure(
  db: Executor,
  endpointId: string,
  at: string,
  threshold: number,
): Promise<EndpointRow | undefined> {
  await db
    .updateTable('webhook_endpoints')
    .set((eb) => ({
      consecutive_failures: eb('consecutive_failures', '+', 1),
      last_failure_at: at,
    }))
    .where('id', '=', endpointId)
    .execute();
  // Guarded on enabled: of several workers failing at once, one disables (and tells the tenant).
  return db
    .updateTable('webhook_endpoints')
    .set({
      enabled: 0,
      disabled_reason: `Disabled automatically after ${threshold} consecutive failed attempts.`,
      updated_at: at,
    })
    .where('id', '=', endpointId)
    .where('enabled', '=', 1)
    .where('consecutive_failures', '>=', threshold)
    .returningAll()
    .executeTakeFirst();
}

/** Age in seconds of the oldest due delivery of an enabled endpoint (0 when none): the backlog. */
export async function oldestDueAgeSeconds(db: Executor, now: Date): Promise<number> {
  const row = await db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('webhook_endpoints as w', 'w.id', 'd.endpoint_id')
    .select((eb) => eb.fn.min('d.next_attempt_at').as('oldest'))
    .where('d.status', '=', 'pending')
    .where('d.next_attempt_at', '<=', now.toISOString())
    .where('w.enabled', '=', 1)
    .executeTakeFirst();
  if (!row?.oldest) return 0;
  return Math.max(0, (now.getTime() - new Date(row.oldest).getTime()) / 1000);
}
