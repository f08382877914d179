import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ApiError } from '../../platform/errors/api-error.js';
import {
  ProcessorOutcomeUnknownError,
  ProcessorRejectedError,
  ProcessorUnavailableError,
  type RejectionReason,
} from '../../processor/types.js';

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
  /**
   * Fails the row after the processor refused the call (nothing was done), releasing what it
   * held, so the client can try again at once; undefined if it had moved.
   */
  refuse: (trx: Kysely<Database>, reason: RefusalReason) => Promise<Row | undefined>;
  /** The answer for a refused row instead of its representation (e.g. 422 for an unknown method). */
  refusalError?: (row: Row) => ApiError | undefined;
  reload: (trx: Kysely<Database>) => Promise<Row>;
  /** Called after the commit when settle or park moved the row (awaited before answering). */
  moved?: (row: Row) => void | Promise<void>;
}

/** A processor refusal that means nothing was done (an idempotency conflict is not one). */
export type RefusalReason = Exclude<RejectionReason, 'idempotency_conflict'>;

/**
 * The second half of a phased money movement, shared by payments and refunds: call the
 * processor, then write the outcome and complete the idempotency record in ONE transaction.
 * Every outcome leaves the row in a state the docs promise (README "Payments"):
 * - an answer settles it;
 * - unavailable (nothing was sent) leaves it open, so a retry with the same key resumes here;
 * - a refusal (4xx: nothing was done) fails it and releases what it held, so a new request can
 *   use the balance at once;
 * - an unknown outcome (timeout, 5xx, malformed answer, or a key the processor says it used for
 *   another request) parks it for reconciliation, which asks the processor by key.
 */
export async function callAndSettle<Row, View, Result>(
  db: Kysely<Database>,
  phases: Phases,
  respond: Respond<View>,
  view: (row: Row) => View,
  step: ExternalStep<Row, Result>,
): Promise<View> {
  let outcome: { result: Result } | { unknown: true } | { refused: RefusalReason };
  try {
    outcome = { result: await step.call() };
  } catch (error) {
    if (error instanceof ProcessorUnavailableError)
      throw processorUnavailable(error.retryAfterSeconds);
    if (error instanceof ProcessorRejectedError && error.reason !== 'idempotency_conflict') {
      outcome = { refused: error.reason };
    } else if (
      error instanceof ProcessorOutcomeUnknownError ||
      error instanceof ProcessorRejectedError
    ) {
      outcome = { unknown: true };
    } else throw error;
  }
  let moved: Row | undefined;
  const row = await db.transaction().execute(async (trx) => {
    if ('result' in outcome) moved = await step.settle(trx, outcome.result);
    else if ('refused' in outcome) moved = await step.refuse(trx, outcome.refused);
    else moved = await step.park(trx);
    const current = moved ?? (await step.reload(trx));
    // A refusal answered with an error is recorded by the idempotency plugin after this commit.
    if (step.refusalError?.(current) === undefined) {
      await phases.complete(trx, respond(view(current)));
    }
    return current;
  });
  if (moved !== undefined) await step.moved?.(moved);
  const refusal = step.refusalError?.(row);
  if (refusal) throw refusal;
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
