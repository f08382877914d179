import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { countAwaitingReconciliation } from '../modules/payments/backlog.js';
import { oldestDueAgeSeconds } from '../modules/webhooks/delivery-queue.js';
import { withinDeadline } from '../platform/health/routes.js';
import type { Infrastructure } from './infrastructure.js';

/** The gauges sampled at scrape time, each read from the part of the app that owns the state. */
export function attachMetricSources(
  app: FastifyInstance,
  config: Config,
  infra: Infrastructure,
): void {
  const { db, processor, jwt } = infra;
  const jwtConfig = config.jwt;
  Object.assign(infra.metrics.sources, {
    ready: async () =>
      !app.lifecycle.draining &&
      (await withinDeadline(() => db.ping(), config.readinessTimeoutMs).then(
        () => true,
        () => false,
      )),
    awaitingReconciliation: () => countAwaitingReconciliation(db.kysely),
    webhookBacklogAgeSeconds: () => oldestDueAgeSeconds(db.kysely, new Date()),
    breakerState: processor ? () => processor.breakerState() : undefined,
    pool: () => db.poolStats(),
    connections: () => ({ open: infra.openConnections(), max: infra.connectionLimits.max }),
    jwks:
      jwt && jwtConfig
        ? () => ({ ...jwt.jwksStatus(), maxStaleSeconds: jwtConfig.jwksMaxStaleSeconds })
        : undefined,
  });
}
