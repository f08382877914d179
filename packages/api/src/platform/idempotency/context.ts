import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * What a route handler sees of the Idempotency-Key of its request (`request.idempotency`, set
 * only when the client sent a key). Handlers that change data pass `complete` (and, for requests
 * with an external call in the middle, `advance`) the transaction of that change.
 */
export interface IdempotencyContext {
  key: string;
  /** 'started' on a first execution; on a resumed execution, the last persisted point. */
  recoveryPoint: string;
  /** The id stored with the last recovery point (e.g. the payment id), or null. */
  resourceId: string | null;
  /** Persist a phase inside the caller's transaction (commits with the domain change). */
  advance(trx: Kysely<Database>, point: string, resourceId?: string): Promise<void>;
  /** Record the final response inside the caller's transaction, so record + domain change + event commit together. */
  complete(
    trx: Kysely<Database>,
    response: { status: number; body: unknown; headers?: Record<string, string> },
  ): Promise<void>;
}

export type IdempotencyMode = 'optional' | 'required';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set before the handler when the request carries an Idempotency-Key (POST only). */
    idempotency?: IdempotencyContext;
  }
  interface FastifyContextConfig {
    /** POST routes: whether Idempotency-Key may be sent (default) or must be. */
    idempotency?: IdempotencyMode;
  }
}
