import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import type { Reconciler } from '../modules/payments/reconciler.js';
import { purgeExpiredIdempotencyKeys } from '../platform/idempotency/purge.js';
import type { JobRunner } from '../platform/jobs/runner.js';
import type { Infrastructure } from './infrastructure.js';
import { createWebhookWorker } from './modules.js';

/**
 * Every periodic task of an instance, under the job runner's one policy (no overlap, awaited on
 * close, errors logged and counted). Each is safe on every instance at once.
 */
export function scheduleJobs(
  app: FastifyInstance,
  jobs: JobRunner,
  config: Config,
  infra: Infrastructure,
  reconciler: Reconciler | undefined,
): void {
  // Expired idempotency records; the deletes are idempotent across instances.
  jobs.schedule({
    name: 'idempotency_purge',
    intervalMs: config.idempotency.purgeIntervalMs,
    run: async () => {
      const count = await purgeExpiredIdempotencyKeys(infra.db.kysely);
      if (count > 0) app.log.info({ event: 'idempotency.purged', count }, 'expired keys purged');
    },
  });
  // API keys' last-used times are buffered in memory; the last flush runs before the database closes.
  jobs.schedule({
    name: 'api_key_last_used_flush',
    intervalMs: config.apiKeys.lastUsedFlushMs,
    run: () => infra.keys.flushLastUsed(),
    finalPassOnStop: true,
  });
  // Webhook deliveries: every instance claims its own batch (SKIP LOCKED on PostgreSQL).
  if (config.webhooks.workerEnabled) {
    const worker = createWebhookWorker(app, config, infra);
    jobs.schedule({
      name: 'webhook_delivery',
      intervalMs: config.webhooks.pollIntervalMs,
      run: async (stopping) => {
        // Drain what is due (a full batch means more may wait), then sleep until the next tick;
        // on shutdown the batch in hand is finished or released, and no other is claimed.
        while (!stopping.aborted && (await worker.runOnce(stopping)) === config.webhooks.batchSize);
      },
    });
  }
  if (reconciler) {
    jobs.schedule({
      name: 'payment_reconciliation',
      intervalMs: config.payments.reconcileIntervalMs,
      run: () => reconciler.runOnce(),
    });
  }
}
