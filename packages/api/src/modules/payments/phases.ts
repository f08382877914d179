import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ApiError } from '../../platform/errors/api-error.js';
import { ProcessorOutcomeUnknownError, ProcessorUnavailableError } from '../../processor/types.js';

/**
 * What a payment flow needs from the idempotency record (platform/idempotency provides it):
 * persisted recovery points, and completing the record in the same transaction as the change.
 */
export interface Phases {
  recoveryPoint: string;
  resourceId: string | null;
  advance(trx: Kysely<Database>, point: string, resourceId?: string): Promise<void>;
  complete(
    trx: Kysely<Database>,
    response: { status: number; body: unknown; headers?: Record<string, string> },
  ): Promise<void>;
}

/** Maps a resource to the response the route will send; kept by the route (HTTP) and called here. */
export type Respond<T> = (view: T) => {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
};

/** How one external step moves a row; each function runs in the caller's transaction. */
export interface ExternalStep<Row, Result> {
  call: () => Promise<Result>;
  /** Applies the processor's answer; undefined if the row had already moved. */
  settle: (trx: Kysely<Database>, result: Result) => Promise<Row | undefined>;
  /** Parks the row for reconciliation after an unknown outcome; undefined if it had moved. */
  park: (trx: Kysely<Database>) => Promise<Row | undefined>;
  reload: (trx: Kysely<Database>) => Promise<Row>;
  /** Called after the commit when settle or park moved the row (awaited before answering). */
  moved?: (row: Row) => void | Promise<void>;
}

/**
 * The second half of a phased money movement, shared by payments and refunds: call the
 * processor, then write the outcome and complete the idempotency record in ONE transaction.
 * Unavailable (nothing was sent) leaves the row open, so a retry with the same key resumes here.
 */
export async function callAndSettle<Row, View, Result>(
  db: Kysely<Database>,
  phases: Phases,
  respond: Respond<View>,
  view: (row: Row) => View,
  step: ExternalStep<Row, Result>,
): Promise<View> {
  let outcome: { result: Result } | { unknown: true };
  try {
    outcome = { result: await step.call() };
  } catch (error) {
    if (error instanceof ProcessorUnavailableError)
      throw processorUnavailable(error.retryAfterSeconds);
    if (!(error instanceof ProcessorOutcomeUnknownError)) throw error;
    outcome = { unknown: true };
  }
  let moved: Row | undefined;
  const row = await db.transaction().execute(async (trx) => {
    moved = 'result' in outcome ? await step.settle(trx, outcome.result) : await step.park(trx);
    const current = moved ?? (await step.reload(trx));
    await phases.complete(trx, respond(view(current)));
    return current;
  });
  if (moved !== undefined) await step.moved?.(moved);
  return view(row);
}

/** 503 processor_unavailable: nothing was charged; Retry-After from the breaker. */
export function processorUnavailable(retryAfterSeconds: number) {
  return new ApiError(
    'processor_unavailable',
    'The payment processor is not reachable right now; nothing was charged. Retry with the same Idempotency-Key.',
    { headers: { 'retry-after': String(Math.max(1, Math.ceil(retryAfterSeconds))) } },
  );
}
