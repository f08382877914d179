import type { FastifyInstance } from 'fastify';
import type { Config } from './config/index.js';
import { createJobRunner } from './platform/jobs/runner.js';
import { decorateApp } from './wiring/decorations.js';
import { registerHookStack } from './wiring/hook-stack.js';
import { buildInfrastructure } from './wiring/infrastructure.js';
import { scheduleJobs } from './wiring/jobs.js';
import { attachMetricSources } from './wiring/metric-sources.js';
import { createPaymentReconciler, registerModules } from './wiring/modules.js';
import type { AppOverrides } from './wiring/overrides.js';
import { registerPublicRoutes } from './wiring/public-routes.js';
import { createLogger, createServer } from './wiring/server.js';

export { API_VERSION } from './wiring/infrastructure.js';
export type { AppOverrides, BenchSwitches } from './wiring/overrides.js';

/**
 * Builds the whole app without listening (main.ts listens). The story, in order: a server with
 * its listener settings; the infrastructure (database, telemetry, processor, caches, verifiers);
 * the platform hook stack every request walks; the public routes; the resource modules behind
 * authentication; the background jobs. docs/architecture.md draws it.
 */
export async function buildApp(
  config: Config,
  overrides: AppOverrides = {},
): Promise<FastifyInstance> {
  const logger = createLogger(config, overrides.logStream);
  const app = createServer(config, logger);
  const infra = buildInfrastructure(app.server, config, logger, overrides);
  const reconciler = createPaymentReconciler(app, config, infra);
  decorateApp(app, infra, reconciler);

  const jobs = createJobRunner({
    log: logger,
    counted: (job, outcome) => infra.metrics.jobRuns.inc({ job, outcome }),
  });
  app.addHook('onReady', () => infra.invalidation.ready());
  // One shutdown order: jobs finish (and flush) before the parts they use are released.
  app.addHook('onClose', async () => {
    await jobs.stop();
    await infra.close();
  });

  const rateLimits = await registerHookStack(app, config, infra, overrides);
  await registerPublicRoutes(app, config, infra);
  await registerModules(app, config, infra, { rateLimits, bench: overrides.bench });
  scheduleJobs(app, jobs, config, infra, reconciler);
  attachMetricSources(app, config, infra);
  return app;
}
