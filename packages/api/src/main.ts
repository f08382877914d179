import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { migrateToLatest } from './db/migrate.js';
import { createTenant } from './modules/api-keys/service.js';
import { oldestTenantId } from './platform/auth/tenants.js';
import { withCursorSecret } from './platform/pagination/cursor-secret.js';
import { sandboxWhenUnset } from './processor/sandbox/when-unset.js';
import { startMetricsServer } from './platform/observability/metrics-server.js';
import { configSummary } from './platform/observability/config-summary.js';
import { probesOnOpsListener } from './platform/health/ops-listener.js';
import { problemCatalogue } from './platform/errors/catalogue.js';
import { problemTypeUri } from './platform/errors/problem.js';
import { demoKeyBlock, firstScreen } from './platform/startup/first-screen.js';
import { PortTakenError, portTaken } from './platform/startup/ports.js';

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

/**
 * Taken ports stop the start before anything is created or printed as done. A taken metrics port
 * in development only costs the metrics listener (a first run must not die of it); in production
 * it fails like the API port, since an unscraped instance is invisible to the alerts.
 */
async function checkPorts(config: Config): Promise<{ metricsListener: boolean }> {
  if (await portTaken(config.host, config.port))
    throw new PortTakenError('PORT', config.host, config.port);
  const metrics = config.observability.metrics;
  if (!metrics.enabled || !(await portTaken(metrics.host, metrics.port)))
    return { metricsListener: metrics.enabled };
  const taken = new PortTakenError('METRICS_PORT', metrics.host, metrics.port);
  if (config.env === 'production') throw taken;
  process.stderr.write(`Warning: ${taken.message} Running without the metrics listener.\n`);
  return { metricsListener: false };
}

/** Taken between the probe and the listen (a race): still one line naming the variable. */
const rethrowTaken =
  (variable: PortTakenError['variable'], where: { host: string; port: number }) =>
  (error: unknown): never => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortTakenError(variable, where.host, where.port);
    throw error;
  };

/** Process entry: configure, migrate, seed (development), listen, and drain on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const checked = configOrExit();
  const { metricsListener } = await checkPorts(checked);
  const { config, sandbox } = await sandboxWhenUnset(checked);
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
  const existing = config.seedDemoTenant ? await oldestTenantId(app.db.kysely) : undefined;
  const created =
    config.seedDemoTenant && existing === undefined
      ? await createTenant(app.db.kysely, { name: 'Demo', mode: 'test', keyName: 'demo' })
      : undefined;

  const metricsServer = metricsListener
    ? await startMetricsServer(
        app.metrics.registry,
        {
          ...config.observability.metrics,
          problem: {
            type: problemTypeUri(config.publicBaseUrl, 'service_unavailable'),
            title: problemCatalogue.service_unavailable.title,
          },
        },
        probesOnOpsListener(app),
      ).catch(rethrowTaken('METRICS_PORT', config.observability.metrics))
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

  let listening = false;
  try {
    await app
      .listen({ host: config.host, port: config.port, backlog: app.connectionLimits.backlog })
      .catch(rethrowTaken('PORT', config));
    listening = true;
  } finally {
    // Printed once, on purpose, to the console rather than the log: it is the only copy (in
    // development it is part of the first screen, unless the listen failed).
    if (created && (config.env !== 'development' || !listening))
      process.stdout.write(demoKeyBlock(created, config.publicBaseUrl));
  }
  // The whole configuration is for whoever debugs a deployment, not for the first screen.
  app.log.debug({ event: 'startup.config', config: configSummary(config) }, 'configuration');
  if (config.env === 'development') {
    process.stdout.write(
      firstScreen({
        url: config.publicBaseUrl,
        database: app.db.dialect,
        metrics:
          metricsServer?.url ??
          (config.observability.metrics.enabled ? 'not served (port taken)' : 'off'),
        ...(created ? { created } : {}),
        ...(existing ? { existing } : {}),
      }),
    );
  }
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
  if (error instanceof PortTakenError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(78); // EX_CONFIG
  }
  process.stderr.write(
    `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
