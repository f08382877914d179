import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/index.js';
import { registerApiKeyRoutes } from '../modules/api-keys/routes.js';
import { createApiKeysService } from '../modules/api-keys/service.js';
import { registerOrderRoutes } from '../modules/orders/routes.js';
import { createOrdersService } from '../modules/orders/service.js';
import { createReconciler, type Reconciler } from '../modules/payments/reconciler.js';
import { createRefundsService } from '../modules/payments/refunds-service.js';
import { registerPaymentRoutes } from '../modules/payments/routes.js';
import { createPaymentsService } from '../modules/payments/service.js';
import { registerUserRoutes } from '../modules/users/routes.js';
import { createUsersService } from '../modules/users/service.js';
import { registerWebhookRoutes } from '../modules/webhooks/routes.js';
import { createWebhooksService } from '../modules/webhooks/service.js';
import { createDeliveryWorker, type DeliveryWorker } from '../modules/webhooks/worker.js';
import type { GuardOptions } from '../platform/outbound/address-guard.js';
import { requireAuthentication } from '../platform/auth/authenticate.js';
import { actAsFixedPrincipal } from '../platform/auth/fixed-principal.js';
import { registerIdempotency } from '../platform/idempotency/plugin.js';
import { registerListCache } from '../platform/caching/list-cache.js';
import type { RateLimits } from './hook-stack.js';
import type { Infrastructure } from './infrastructure.js';
import type { BenchSwitches } from './overrides.js';

/**
 * The resource modules, in one context where every route requires an API key or access token and
 * a scope: rate limits around authentication, then idempotency, then each module's routes.
 */
export async function registerModules(
  app: FastifyInstance,
  config: Config,
  infra: Infrastructure,
  options: { rateLimits: RateLimits; bench?: BenchSwitches },
): Promise<void> {
  const { db, keys, caches, processor, observeTransition: observe } = infra;
  const { rateLimits, bench = {} } = options;
  const publicBaseUrl = config.publicBaseUrl;
  const orderChanged = (accountId: string, orderId: string) =>
    caches.orders.invalidate(accountId, orderId);
  const money = { db: db.kysely, processor, observe, orderChanged };

  await app.register(async (authenticated) => {
    rateLimits?.beforeAuthentication(authenticated);
    if (bench.actAs) actAsFixedPrincipal(authenticated, bench.actAs);
    else requireAuthentication(authenticated, { keys, jwt: infra.jwt, accounts: infra.accounts });
    rateLimits?.afterAuthentication(authenticated);
    // Before the routes (it acts through onRoute); its hooks run after authentication, scopes and
    // rate limits, so a hit is still the caller's and counts.
    registerListCache(authenticated, {
      db: db.kysely,
      ...config.listCache,
      observe: infra.observeCache,
    });
    // After authentication (keys are per account) and rate limits (a refused request takes no key).
    if (bench.idempotency !== false)
      registerIdempotency(authenticated, { db: db.kysely, settings: config.idempotency });
    registerApiKeyRoutes(authenticated, {
      apiKeys: createApiKeysService({ db: db.kysely, keys }),
      publicBaseUrl,
    });
    registerUserRoutes(authenticated, {
      users: createUsersService({ db: db.kysely, cache: caches.users }),
      publicBaseUrl,
    });
    registerOrderRoutes(authenticated, {
      orders: createOrdersService({ db: db.kysely, cache: caches.orders }),
      publicBaseUrl,
    });
    registerPaymentRoutes(authenticated, {
      payments: createPaymentsService(money),
      refunds: createRefundsService(money),
      publicBaseUrl,
    });
    registerWebhookRoutes(authenticated, {
      webhooks: createWebhooksService({
        db: db.kysely,
        guard: webhookGuard(config),
        secretOverlapSeconds: config.webhooks.secretOverlapSeconds,
      }),
      publicBaseUrl,
    });
  });
}

/** The SSRF guard of webhook URLs: https only in production; loopback only when allowed. */
export function webhookGuard(config: Config): GuardOptions {
  return {
    requireHttps: config.env === 'production',
    allowLoopback: config.webhooks.allowLoopback,
  };
}

/** Sends webhook deliveries (docs/webhooks.md); its attempts are counted in the metrics. */
export function createWebhookWorker(
  app: FastifyInstance,
  config: Config,
  infra: Infrastructure,
): DeliveryWorker {
  const { metrics } = infra;
  return createDeliveryWorker({
    db: infra.db.kysely,
    dialect: infra.db.dialect,
    settings: config.webhooks,
    guard: webhookGuard(config),
    log: app.log.child({ component: 'webhooks' }),
    observe: ({ outcome, durationMs, latencyMs, endpointDisabled }) => {
      metrics.webhookDeliveries.inc({ outcome });
      metrics.webhookAttemptDuration.observe(durationMs / 1000);
      if (latencyMs !== undefined) metrics.webhookDeliveryLatency.observe(latencyMs / 1000);
      if (endpointDisabled) metrics.webhookEndpointsDisabled.inc();
    },
  });
}

/** Settles open payments and refunds (unknown outcome, or orphaned by a crash); needs a processor. */
export function createPaymentReconciler(
  app: FastifyInstance,
  config: Config,
  infra: Infrastructure,
): Reconciler | undefined {
  if (infra.processor === undefined) return undefined;
  return createReconciler({
    db: infra.db.kysely,
    processor: infra.processor,
    logger: app.log.child({ component: 'reconciler' }),
    staleAfterMs: config.payments.reconcileStaleAfterMs,
    observe: infra.observeTransition,
    orderChanged: (accountId, orderId) => infra.caches.orders.invalidate(accountId, orderId),
  });
}
