import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { conditionalRequests } from '../platform/caching/conditional-requests.js';
import { errorHandler } from '../platform/errors/error-handler.js';
import { handlerDeadline } from '../platform/errors/handler-deadline.js';
import { accessLog } from '../platform/observability/access-log.js';
import { httpMetrics } from '../platform/observability/http-metrics.js';
import { requestTracing } from '../platform/observability/request-tracing.js';
import { createRateLimits } from '../platform/rate-limit/plugin.js';
import { jsonOnly } from '../platform/security/content-type.js';
import { securityHeaders } from '../platform/security/headers.js';
import { turnBatching } from '../platform/scheduling/turn-batching.js';
import { registerProtection } from '../platform/security/protection.js';
import { emptyBodyAsObject } from '../platform/validation/empty-body.js';
import { announceDeprecations } from '../platform/versioning/deprecation.js';
import type { Infrastructure } from './infrastructure.js';
import type { AppOverrides } from './overrides.js';

/** The rate limits of the app, for the authenticated context; undefined when a benchmark turns them off. */
export type RateLimits = ReturnType<typeof createRateLimits> | undefined;

/**
 * The platform hooks every request walks, in the order they must run (docs/architecture.md,
 * "The request path"): tracing first so everything after runs inside the request span; the error
 * handler and deadline before anything can fail; the access log; the wait for the rest of the
 * turn's requests (turn-batching.ts); headers; the request-level defences (framing, CORS, load
 * shedding, query limits); the per-address rate limit; then body and conditional-request
 * handling. Register before any route.
 */
export async function registerHookStack(
  app: FastifyInstance,
  config: Config,
  infra: Infrastructure,
  overrides: AppOverrides,
): Promise<RateLimits> {
  if (overrides.onRoute) app.addHook('onRoute', overrides.onRoute);
  // An onRoute hook: it marks the routes of deprecated API versions as they are registered.
  announceDeprecations(app, {
    publicBaseUrl: config.publicBaseUrl,
    schedule: {
      v1: {
        deprecatedAt: config.versioning.v1DeprecatedAt,
        sunsetAt: config.versioning.v1SunsetAt,
      },
    },
  });
  // While draining, every response closes its connection: a keep-alive socket whose request was
  // in flight would otherwise idle until KEEP_ALIVE_TIMEOUT_MS and hold server.close() open.
  app.addHook('onSend', (_request, reply, _payload, done) => {
    if (app.lifecycle.draining) reply.header('connection', 'close');
    done();
  });

  await app.register(requestTracing, {
    tracing: infra.tracing,
    trustInbound: config.observability.tracing.trustInbound,
  });
  if (config.observability.metrics.enabled)
    await app.register(httpMetrics, { metrics: infra.metrics });
  await app.register(errorHandler, { publicBaseUrl: config.publicBaseUrl });
  await app.register(handlerDeadline, { timeoutMs: config.handlerTimeoutMs });
  await app.register(accessLog);
  if (config.requestTurnBatching)
    await app.register(turnBatching, { exemptRoutes: ['/livez', '/readyz'] });
  await app.register(securityHeaders);
  await registerProtection(app, config);
  const rateLimits =
    overrides.bench?.rateLimits === false
      ? undefined
      : createRateLimits({
          settings: config.rateLimit,
          redis: config.redis,
          store: overrides.rateLimitStore,
          // Health probes are polled by orchestrators and must answer even when Redis does not.
          exemptRoutes: ['/livez', '/readyz'],
          log: app.log,
        });
  if (rateLimits) await app.register(rateLimits.plugin);
  await app.register(jsonOnly);
  await app.register(emptyBodyAsObject);
  await app.register(conditionalRequests);
  return rateLimits;
}
