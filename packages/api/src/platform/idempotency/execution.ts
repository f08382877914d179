import type { Kysely } from 'kysely';
import type { IdempotencyConfig } from '../../config/index.js';
import type { Database } from '../../db/schema.js';
import { ApiError } from '../errors/api-error.js';
import { newId } from '../ids/ids.js';
import type { IdempotencyContext } from './context.js';
import * as store from './store.js';

/** The request that holds a key: its record and the lock token that fences its writes. */
export interface Execution {
  recordId: string;
  lockToken: string;
  /** Status recorded by complete(), if it was called. */
  completedStatus?: number;
}

export type BeginOutcome =
  | ({ kind: 'execute'; recoveryPoint: string; resourceId: string | null } & Execution)
  | { kind: 'replay'; record: store.IdempotencyRecord }
  | { kind: 'mismatch' }
  | { kind: 'in_progress' };

export interface BeginInput {
  accountId: string;
  key: string;
  fingerprint: string;
  method: string;
  path: string;
}

const time = (value: Date | string) => (value instanceof Date ? value : new Date(value)).getTime();
/** Rounds of insert-or-read before giving up with 409: a record can vanish between the two. */
const ATTEMPTS = 3;

/**
 * Claims the key for this request, or says why not. The unique (account_id, key) constraint
 * decides races between requests and instances; no state lives in this process.
 */
export async function begin(
  db: Kysely<Database>,
  settings: IdempotencyConfig,
  input: BeginInput,
  clock: () => Date = () => new Date(),
): Promise<BeginOutcome> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt += 1) {
    const now = clock();
    const record: store.NewRecord = {
      ...input,
      id: newId('idem'),
      now: now.toISOString(),
      expiresAt: new Date(now.getTime() + settings.ttlHours * 3_600_000).toISOString(),
    };
    if (await store.insertRecord(db, record)) {
      return {
        kind: 'execute',
        recordId: record.id,
        lockToken: record.now,
        recoveryPoint: 'started',
        resourceId: null,
      };
    }
    const existing = await store.findRecord(db, input.accountId, input.key);
    if (existing === undefined) continue;
    if (time(existing.expires_at) <= now.getTime()) {
      await store.deleteExpiredRecord(db, existing.id, record.now);
      continue;
    }
    if (existing.request_fingerprint !== input.fingerprint) return { kind: 'mismatch' };
    if (existing.status === 'completed') return { kind: 'replay', record: existing };
    const staleBefore = now.getTime() - settings.lockTimeoutMs;
    if (existing.locked_at !== null && time(existing.locked_at) >= staleBefore) {
      return { kind: 'in_progress' };
    }
    const taken = await store.takeOverRecord(
      db,
      existing.id,
      record.now,
      new Date(staleBefore).toISOString(),
    );
    if (taken === undefined) return { kind: 'in_progress' };
    return {
      kind: 'execute',
      recordId: taken.id,
      lockToken: record.now,
      recoveryPoint: taken.recovery_point,
      resourceId: taken.resource_id,
    };
  }
  return { kind: 'in_progress' };
}

export const inProgress = () =>
  new ApiError(
    'idempotency_request_in_progress',
    'A request with this Idempotency-Key is still in progress. Retry after Retry-After seconds.',
    { headers: { 'retry-after': '1' } },
  );

export const keyReused = () =>
  new ApiError(
    'idempotency_key_reused',
    'This Idempotency-Key was already used for a different request. Use a new key for a new operation.',
  );

export const keyMissing = () =>
  new ApiError(
    'idempotency_key_missing',
    'This operation requires an Idempotency-Key header (1-255 printable ASCII characters).',
  );

/** The context handlers use; its writes go through the caller's transaction and are fenced. */
export function createContext(
  key: string,
  execution: Execution,
  start: {
    recoveryPoint: string;
    resourceId: string | null;
  },
): IdempotencyContext {
  const context: IdempotencyContext = {
    key,
    recoveryPoint: start.recoveryPoint,
    resourceId: start.resourceId,
    async advance(trx, point, resourceId) {
      const ok = await store.advanceRecord(
        trx,
        execution.recordId,
        execution.lockToken,
        point,
        resourceId,
      );
      // Another request took the key over (our lock went stale): our transaction must not commit.
      if (!ok) throw inProgress();
      context.recoveryPoint = point;
      if (resourceId !== undefined) context.resourceId = resourceId;
    },
    async complete(trx, response) {
      const ok = await store.completeRecord(trx, execution.recordId, execution.lockToken, {
        status: response.status,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          ...lowerCased(response.headers ?? {}),
        },
        body: response.body === undefined ? null : JSON.stringify(response.body),
      });
      if (!ok) throw inProgress();
      execution.completedStatus = response.status;
    },
  };
  return context;
}

function lowerCased(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

/** Response headers a replay repeats; the rest (request id, rate limits) belong to each request. */
export const REPLAYED_HEADERS = ['content-type', 'location', 'etag', 'link'] as const;

/**
 * After the handler, for a request that holds a key and did not complete it in its own
 * transaction (or whose transaction rolled back): a < 500 answer becomes the recorded one; a 5xx
 * never does — the record is deleted if nothing happened yet, else unlocked for a retry to resume.
 */
export async function finish(
  db: Kysely<Database>,
  execution: Execution,
  response: { status: number; headers: Record<string, string>; body: string | null } | undefined,
): Promise<void> {
  if (response && execution.completedStatus === response.status) return;
  if (response && response.status < 500) {
    // A no-op when complete() already committed: the record is no longer in flight.
    await store.completeRecord(db, execution.recordId, execution.lockToken, response);
    return;
  }
  if (await store.discardUnstartedRecord(db, execution.recordId, execution.lockToken)) return;
  await store.releaseRecord(db, execution.recordId, execution.lockToken);
}
