import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { migrateToLatest } from './db/migrate.js';
import { probesOnOpsListener } from './platform/health/ops-listener.js';
import { startMetricsServer } from './platform/observability/metrics-server.js';
import { withCursorSecret } from './platform/pagination/cursor-secret.js';

/**
 * `npm run worker`: the background jobs of an instance (webhook delivery, payment
 * reconciliation, the idempotency purge) without the public HTTP listener, so delivery scales
 * apart from the API, which then runs with `WEBHOOK_WORKER_ENABLED=false`. The same app is built
 * (one wiring, one configuration) and never listens; its metrics and `/livez`, `/readyz` are on
 * the metrics listener. SIGTERM or SIGINT: no new attempt starts, attempts in flight finish, the
 * rest of the batch is released for another worker, then the database closes.
 */
function configOrExit(): Config {
  try {
    const loaded = withCursorSecret(loadConfig());
    // This process exists to run the jobs: WEBHOOK_WORKER_ENABLED is for the API instances, so
    // one environment file can serve both.
    return { ...loaded, webhooks: { ...loaded.webhooks, workerEnabled: true } };
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const app = await buildApp(config);
  if (config.migrateOnStart) {
    const applied = await migrateToLatest(app.db);
    app.log.info({ event: 'db.migrated', applied, dialect: app.db.dialect }, 'migrations applied');
  }
  if (config.processor.url === undefined)
    app.log.warn(
      { event: 'worker.no_reconciliation' },
      'PAYMENT_PROCESSOR_URL is unset: this worker does not reconcile payments',
    );

  const metrics = config.observability.metrics;
  const metricsServer = metrics.enabled
    ? await startMetricsServer(app.metrics.registry, metrics, probesOnOpsListener(app)).catch(
        (error: unknown) => {
          // In development the API may hold the port already; an unscraped production worker
          // would be invisible to the backlog alert, so there it is fatal.
          if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || config.env === 'production')
            throw error;
          process.stderr.write(
            `Warning: METRICS_PORT ${metrics.port} is taken; running without the metrics listener.\n`,
          );
          return undefined;
        },
      )
    : undefined;

  // Job timers are unref'd: this keeps the process alive until a signal stops it.
  const alive = setInterval(() => undefined, 1 << 30);
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ event: 'shutdown.started', signal }, 'stopping the jobs');
    app.lifecycle.draining = true;
    // Long enough for an attempt in flight to reach its own timeout and be recorded; past it, the
    // claim's lease expires and another worker retries the delivery.
    const timeoutMs = Math.max(config.shutdownTimeoutMs, config.webhooks.timeoutMs + 5_000);
    const deadline = setTimeout(() => {
      app.log.error(
        { event: 'shutdown.timeout', timeout_ms: timeoutMs },
        'jobs did not finish in time',
      );
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    // Stops the jobs (a delivery pass finishes its attempts in flight and releases the rest),
    // runs their final passes, then closes the database.
    await app.close();
    app.log.info({ event: 'shutdown.drained' }, 'jobs stopped, resources released');
    await metricsServer?.close();
    clearInterval(alive);
    clearTimeout(deadline);
    app.log.info({ event: 'shutdown.completed' }, 'stopped');
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, (received) => void shutdown(received));
  }

  // The jobs are scheduled; ready runs the start hooks (the invalidation bus) without listening.
  await app.ready();
  app.log.info(
    {
      event: 'worker.started',
      env: config.env,
      database: app.db.dialect,
      metrics_url: metricsServer?.url,
      webhook_poll_interval_ms: config.webhooks.pollIntervalMs,
      reconciliation: config.processor.url !== undefined,
    },
    'worker running the background jobs (no HTTP listener)',
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Failed to start the worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
