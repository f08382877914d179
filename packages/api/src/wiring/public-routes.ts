import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { orderChanges } from '../modules/orders/versions/index.js';
import { paymentChanges } from '../modules/payments/versions/index.js';
import { webhookOperations } from '../modules/webhooks/event-payloads.js';
import { jwksDegradation } from '../platform/auth/jwks-health.js';
import { registerDiscoveryRoutes } from '../platform/discovery/routes.js';
import { registerProblemPages } from '../platform/errors/problem-pages.js';
import { registerHealthRoutes } from '../platform/health/routes.js';
import { registerDocumentation } from '../platform/openapi/documentation.js';
import { registerOperatorRoutes } from '../platform/tenants/operator-routes.js';
import { LIST_CHANGES } from '../platform/versioning/list-format.js';
import type { Infrastructure } from './infrastructure.js';

/** The routes without an API key: documentation, health probes, problem pages, discovery, the operator API. */
export async function registerPublicRoutes(
  app: FastifyInstance,
  config: Config,
  infra: Infrastructure,
): Promise<void> {
  // Documentation first: @fastify/swagger only sees routes registered after it.
  await registerDocumentation(app, {
    changes: [...LIST_CHANGES, ...orderChanges, ...paymentChanges],
    webhooks: webhookOperations(),
  });
  const { jwt } = infra;
  registerHealthRoutes(app, {
    checkDependencies: () => infra.db.ping(),
    checkTimeoutMs: config.readinessTimeoutMs,
    isDraining: () => app.lifecycle.draining,
    degradations: jwt ? { jwks: () => jwksDegradation(jwt.jwksStatus()) } : {},
    publicBaseUrl: config.publicBaseUrl,
  });
  registerProblemPages(app);
  // GET / and /.well-known/api-catalog: where a person or a crawler starts.
  registerDiscoveryRoutes(app, config);
  // The operator API (tenant lifecycle) exists only when OPERATOR_TOKEN is set.
  if (config.operatorToken !== undefined) {
    await registerOperatorRoutes(app, { token: config.operatorToken });
  }
}
