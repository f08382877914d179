import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { migrateToLatest } from './db/migrate.js';
import { createTenant } from './modules/api-keys/service.js';
import { hasNoTenants } from './platform/auth/tenants.js';
import { withCursorSecret } from './platform/pagination/cursor-secret.js';
import { sandboxWhenUnset } from './processor/sandbox/when-unset.js';
import { startMetricsServer } from './platform/observability/metrics-server.js';
import { configSummary } from './platform/observability/config-summary.js';
import { probesOnOpsListener } from './platform/health/ops-listener.js';

function configOrExit(): Config {
  try {
    return withCursorSecret(loadConfig());
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/** Process entry: configure, migrate, seed (development), listen, and drain on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const { config, sandbox } = await sandboxWhenUnset(configOrExit());
  const app = await buildApp(config);
  if (sandbox) {
    // Production with a sandbox is almost certainly a missing PAYMENT_PROCESSOR_URL: say so loudly.
    app.log[config.env === 'production' ? 'warn' : 'info'](
      { event: 'processor.sandbox_started', url: sandbox.url },
      'sandbox payment processor started (PAYMENT_PROCESSOR_URL is unset)',
    );
  }

  if (config.migrateOnStart) {
    const applied = await migrateToLatest(app.db);
    app.log.info({ event: 'db.migrated', applied, dialect: app.db.dialect }, 'migrations applied');
  }
  if (config.seedDemoTenant && (await hasNoTenants(app.db.kysely))) {
    const tenant = await createTenant(app.db.kysely, {
      name: 'Demo',
      mode: 'test',
      keyName: 'demo',
    });
    // Printed once, on purpose, to the console rather than the log: it is the only copy.
    process.stdout.write(
      `\nCreated demo tenant ${tenant.accountId}. Its API key (shown once, store it now):\n\n    ${tenant.secret}\n\n` +
        `Try: curl -H "Authorization: Bearer ${tenant.secret}" ${config.publicBaseUrl}/v1/users\n\n`,
    );
  }

  const metricsServer = config.observability.metrics.enabled
    ? await startMetricsServer(
        app.metrics.registry,
        config.observability.metrics,
        probesOnOpsListener(app),
      )
    : undefined;
  let stopping = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    app.log.info(
      { event: 'shutdown.started', signal, delay_ms: config.shutdownDelayMs },
      'draining',
    );
    // Readiness answers 503 first so the load balancer stops sending new requests…
    app.lifecycle.draining = true;
    const deadline = setTimeout(() => {
      app.log.error(
        { event: 'shutdown.timeout', timeout_ms: config.shutdownTimeoutMs },
        'in-flight requests did not finish in time',
      );
      app.server.closeAllConnections();
      process.exit(1);
    }, config.shutdownDelayMs + config.shutdownTimeoutMs);
    deadline.unref();
    await sleep(config.shutdownDelayMs);
    // …then the listener closes, in-flight requests finish, idle keep-alive sockets close, and
    // onClose hooks release the database.
    app.log.info({ event: 'shutdown.listener_closing' }, 'closing the listener');
    await app.close();
    app.log.info({ event: 'shutdown.drained' }, 'in-flight requests finished, resources released');
    await sandbox?.close();
    // Last: Prometheus sees the instance until it has stopped serving.
    await metricsServer?.close();
    clearTimeout(deadline);
    app.log.info({ event: 'shutdown.completed' }, 'stopped');
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, (received) => void shutdown(received));
  }

  await app.listen({
    host: config.host,
    port: config.port,
    backlog: app.connectionLimits.backlog,
  });
  app.log.info({ event: 'startup.config', config: configSummary(config) }, 'configuration');
  app.log.info(
    {
      event: 'startup.completed',
      env: config.env,
      url: config.publicBaseUrl,
      database: app.db.dialect,
      metrics_url: metricsServer?.url,
      tracing: app.tracing !== undefined,
      // Caps below `ulimit -n`: a flood of connections is refused instead of crashing the process.
      descriptor_limit: app.connectionLimits.descriptorLimit ?? 'unknown',
      max_connections: app.connectionLimits.max,
      max_connections_per_address: app.connectionLimits.perAddress,
      listen_backlog: app.connectionLimits.backlog,
    },
    `listening; at most ${app.connectionLimits.max} connections (${app.connectionLimits.perAddress} per address) under ulimit -n ${app.connectionLimits.descriptorLimit ?? 'unknown'}`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
