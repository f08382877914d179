import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { deleteExpiredBatch } from './store.js';

export interface PurgeOptions {
  now?: Date;
  /** Rows per DELETE: short statements keep locks and WAL growth small. */
  batchSize?: number;
  /** Upper bound per run; what is left waits for the next run. */
  maxBatches?: number;
}

/** Deletes expired idempotency records in bounded batches; returns how many. */
export async function purgeExpiredIdempotencyKeys(
  db: Kysely<Database>,
  options: PurgeOptions = {},
): Promise<number> {
  const { batchSize = 500, maxBatches = 20 } = options;
  const now = (options.now ?? new Date()).toISOString();
  let total = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    const deleted = await deleteExpiredBatch(db, now, batchSize);
    total += deleted;
    if (deleted < batchSize) break;
  }
  return total;
}
