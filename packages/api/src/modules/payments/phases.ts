import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

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
