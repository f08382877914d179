import type { FastifyInstance } from 'fastify';
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

/** Runs the purge every `intervalMs` on every instance (deletes are idempotent); stops on close. */
export function scheduleIdempotencyPurge(
  app: FastifyInstance,
  options: { db: Kysely<Database>; intervalMs: number },
): void {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = purgeExpiredIdempotencyKeys(options.db)
      .then((count) => {
        if (count > 0) app.log.info({ event: 'idempotency.purged', count }, 'expired keys purged');
      })
      .catch((error: unknown) => app.log.warn({ err: error }, 'idempotency purge failed'))
      .finally(() => {
        running = undefined;
      });
  }, options.intervalMs);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    await running;
  });
}
