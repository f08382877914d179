import { loadConfig } from '../config/index.js';
import { openDatabase } from '../db/database.js';
import { createReconciler } from '../modules/payments/reconciler.js';
import { createAppLogger } from '../platform/observability/logger.js';
import { createProcessorClient } from '../processor/client.js';

/**
 * `npm run reconcile`: one reconciliation pass now, against DATABASE_URL and PAYMENT_PROCESSOR_URL.
 * Prints one line per decision; the running server also reconciles every RECONCILE_INTERVAL_MS.
 */
async function run(): Promise<number> {
  const config = loadConfig();
  if (!config.processor.url) {
    process.stderr.write(
      'PAYMENT_PROCESSOR_URL is required: reconciliation asks the processor what happened.\n',
    );
    return 78;
  }
  const logger = createAppLogger({
    ...config,
    logLevel: config.logLevel === 'silent' ? 'silent' : 'warn',
  });
  const db = openDatabase({ url: config.databaseUrl, poolMax: 2, statementTimeoutMs: 60_000 });
  try {
    const processor = createProcessorClient({
      baseUrl: config.processor.url,
      ...config.processor,
      logger,
    });
    const reconciler = createReconciler({
      db: db.kysely,
      processor,
      logger,
      staleAfterMs: config.payments.reconcileStaleAfterMs,
    });
    const decisions = await reconciler.runOnce();
    for (const d of decisions) process.stdout.write(`${d.id} ${d.from} -> ${d.to}\n`);
    process.stdout.write(`${decisions.length} decided\n`);
    return 0;
  } finally {
    await db.close();
  }
}

process.exitCode = await run();
