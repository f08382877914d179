import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type RouteOptions,
} from 'fastify';
import type { LogEvent } from 'kysely';
import { pino, type DestinationStream } from 'pino';
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/database.js';
import { requireAuthentication } from './platform/auth/authenticate.js';
import { actAsFixedPrincipal } from './platform/auth/fixed-principal.js';
import type { Principal } from './platform/auth/principal.js';
import { createResourceCache } from './platform/caching/resource-cache.js';
import { createJwtVerifier } from './platform/auth/jwt-verifier.js';
import { jwksDegradation, jwksFetchObserver } from './platform/auth/jwks-health.js';
import { createAccountStatuses, type AccountStatuses } from './platform/auth/account-status.js';
import { createKeyVerifier, type KeyVerifier } from './platform/auth/key-verifier.js';
import { createMemoryBus, type InvalidationBus } from './platform/invalidation/bus.js';
import { createRedisBus } from './platform/invalidation/redis-bus.js';
import { registerApiKeyRoutes } from './modules/api-keys/routes.js';
import { createApiKeysService } from './modules/api-keys/service.js';
import { conditionalRequests } from './platform/caching/conditional-requests.js';
import { createErrorResponder, errorHandler } from './platform/errors/error-handler.js';
import { handlerDeadline } from './platform/errors/handler-deadline.js';
import { registerOperatorRoutes } from './platform/tenants/operator-routes.js';
import { registerProblemPages } from './platform/errors/problem-pages.js';
import { registerHealthRoutes, withinDeadline } from './platform/health/routes.js';
import { registerDiscoveryRoutes } from './platform/discovery/routes.js';
import { accessLog } from './platform/observability/access-log.js';
import { createQueryObserver } from './platform/observability/db-telemetry.js';
import { httpMetrics } from './platform/observability/http-metrics.js';
import { createMetrics, type Metrics } from './platform/observability/metrics.js';
import { requestTracing } from './platform/observability/request-tracing.js';
import { createTracing, type Tracing } from './platform/observability/tracing.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { countAwaitingReconciliation } from './modules/payments/backlog.js';
import type { TransitionObserver } from './modules/payments/transitions.js';
import { loggerOptions } from './platform/observability/logger.js';
import { REQUEST_ID_HEADER, requestIdFor } from './platform/observability/request-id.js';
import { registerIdempotency } from './platform/idempotency/plugin.js';
import { scheduleIdempotencyPurge } from './platform/idempotency/purge.js';
import { registerDocumentation } from './platform/openapi/documentation.js';
import { announceDeprecations } from './platform/versioning/deprecation.js';
import { createCursorCodec } from './platform/pagination/cursor.js';
import { processCursorSecret } from './platform/pagination/cursor-secret.js';
import { LIST_CHANGES } from './platform/versioning/list-format.js';
import { orderChanges } from './modules/orders/versions/index.js';
import { paymentChanges } from './modules/payments/versions/index.js';
import { createRateLimits } from './platform/rate-limit/plugin.js';
import type { RateLimitStore } from './platform/rate-limit/store.js';
import { createClientErrorHandler } from './platform/security/client-errors.js';
import {
  enforceConnectionLimits,
  readDescriptorLimit,
  resolveConnectionLimits,
  type ConnectionLimits,
} from './platform/security/connection-limits.js';
import { jsonOnly } from './platform/security/content-type.js';
import { securityHeaders } from './platform/security/headers.js';
import { registerProtection } from './platform/security/protection.js';
import { createQuerystringParser } from './platform/security/query-limits.js';
import { transportOptions } from './platform/security/transport.js';
import { createValidatorCompiler } from './platform/validation/compilers.js';
import { emptyBodyAsObject } from './platform/validation/empty-body.js';
import { registerOrderRoutes } from './modules/orders/routes.js';
import { ORDER_CACHE_KIND, createOrdersService, type Order } from './modules/orders/service.js';
import { registerUserRoutes } from './modules/users/routes.js';
import { USER_CACHE_KIND, createUsersService, type User } from './modules/users/service.js';
import { createProcessorClient } from './processor/client.js';
import { createReconciler, type Reconciler } from './modules/payments/reconciler.js';
import { createRefundsService } from './modules/payments/refunds-service.js';
import { registerPaymentRoutes } from './modules/payments/routes.js';
import { createPaymentsService } from './modules/payments/service.js';
import type { ProcessorClient } from './processor/types.js';

export const API_VERSION = '1.0.0';

/** What tests (or an embedding program) may supply instead of the defaults built from config. */
export interface AppOverrides {
  /** An already-open database; the app then does not close it. */
  db?: Db;
  /** Observe each SQL query (e.g. to count queries per request). */
  onQuery?: (event: LogEvent) => void;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: DestinationStream;
  /** Observe every route as it is registered (tests enumerate them to prove each is protected). */
  onRoute?: (route: RouteOptions) => void;
  /** Rate-limit buckets (e.g. in memory with a test clock); the app then does not close them. */
  rateLimitStore?: RateLimitStore;
  /** The payment processor client (e.g. one against a sandbox or a dead port). */
  processor?: ProcessorClient;
  /** Turns tracing on with this exporter, whatever OTEL_* says (tests use an in-memory one). */
  spanExporter?: SpanExporter;
  /** Cache invalidation (e.g. one in-memory bus shared by two apps); the app then does not close it. */
  invalidation?: InvalidationBus;
  /**
   * Benchmarks only (bench/server.ts): production features switched off to measure what each
   * costs. Deliberately absent from configuration, so no deployment can turn them off.
   */
  bench?: BenchSwitches;
}

/** What a benchmark may switch off; see AppOverrides.bench. */
export interface BenchSwitches {
  /** Authentication off: every authenticated route acts as this principal. */
  actAs?: Principal;
  /** Rate limits off (no store, no headers). */
  rateLimits?: false;
  /** Idempotency-Key handling off (only for routes where the key is optional). */
  idempotency?: false;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The database the app uses; closed with the app unless it was passed in. */
    db: Db;
    /** API key verification (cache, invalidation, buffered last-used times). */
    apiKeys: KeyVerifier;
    /** Tenant statuses (active, suspended, deleted), checked on every authenticated request. */
    accounts: AccountStatuses;
    /** Cache invalidation across instances: caches subscribe by kind, writers publish changes. */
    invalidation: InvalidationBus;
    /** Prometheus metrics; main.ts serves the registry on the metrics listener. */
    metrics: Metrics;
    /** OpenTelemetry tracing; undefined when off. */
    tracing: Tracing | undefined;
    /** The connection caps in force on the listener (stated in the start-up line). */
    connectionLimits: ConnectionLimits;
    /** Lifecycle state; `draining` turns readiness to 503 during shutdown. */
    lifecycle: { draining: boolean };
    /** The payment processor client; undefined when neither PAYMENT_PROCESSOR_URL nor an override gives one. */
    processor: ProcessorClient | undefined;
    /** Settles open payments and refunds; present when a processor is. */
    reconciler: Reconciler | undefined;
  }
}

/** Builds the whole app without listening: platform plugins first, then the resource modules. */
export async function buildApp(
  config: Config,
  overrides: AppOverrides = {},
): Promise<FastifyInstance> {
  const respondToError = createErrorResponder(config.publicBaseUrl);
  const logger: FastifyBaseLogger = overrides.logStream
    ? pino(loggerOptions(config), overrides.logStream)
    : pino(loggerOptions(config));
  const app = Fastify({
    loggerInstance: logger,
    genReqId: requestIdFor,
    // platform/observability writes the one access line per request itself.
    logController: new LogController({
      requestIdLogLabel: 'request_id',
      disableRequestLogging: true,
    }),
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // HANDLER_TIMEOUT_MS is enforced by platform/errors/handler-deadline.ts: Fastify's own
    // handlerTimeout stops counting once a request body has been read.
    trustProxy: config.trustProxy,
    // HTTPS when TLS_CERT_FILE/TLS_KEY_FILE are set, else HTTP; MAX_HEADER_BYTES either way.
    ...transportOptions(config),
    // Requests that still arrive on open keep-alive sockets while closing are served (and told
    // Connection: close) instead of getting Fastify's own non-problem 503.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    exposeHeadRoutes: true,
    clientErrorHandler: createClientErrorHandler(config.publicBaseUrl),
    // Routing failures (bad URL encoding, over-long path parameter) happen before any hook runs.
    frameworkErrors: (error, request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      void respondToError(error, request, reply);
    },
    routerOptions: {
      ignoreTrailingSlash: false,
      maxParamLength: 128,
      querystringParser: createQuerystringParser(config.limits.maxQueryParams),
    },
  });
  app.server.headersTimeout = config.headersTimeoutMs;
  app.setValidatorCompiler(createValidatorCompiler());
  if (overrides.onRoute) app.addHook('onRoute', overrides.onRoute);
  // Before any route: it marks the routes of deprecated API versions as they are registered.
  announceDeprecations(app, {
    publicBaseUrl: config.publicBaseUrl,
    schedule: {
      v1: {
        deprecatedAt: config.versioning.v1DeprecatedAt,
        sunsetAt: config.versioning.v1SunsetAt,
      },
    },
  });

  const ownsDb = overrides.db === undefined;
  const db =
    overrides.db ??
    openDatabase({
      url: config.databaseUrl,
      poolMax: config.dbPoolMax,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      onQuery: overrides.onQuery,
      onConnectionLost: (error) =>
        logger.warn({ event: 'db.connection_lost', err: error }, 'idle database connection lost'),
    });
  app.decorate('db', db);
  app.decorate(
    'cursors',
    createCursorCodec({
      current: config.cursors.secret ?? processCursorSecret(),
      previous: config.cursors.previousSecret,
      previousUntil: config.cursors.previousUntil,
    }),
  );
  app.decorate('lifecycle', { draining: false });
  const metricsOn = config.observability.metrics.enabled;
  const metrics = createMetrics({ defaultMetrics: metricsOn });
  const tracing = createTracing(config.observability.tracing, {
    version: API_VERSION,
    exporter: overrides.spanExporter,
  });
  app.decorate('metrics', metrics);
  app.decorate('tracing', tracing);
  const connectionLimits = resolveConnectionLimits(config.connections, {
    descriptorLimit: readDescriptorLimit(),
    dbPoolMax: config.dbPoolMax,
    behindProxy: config.trustProxy !== false,
  });
  const connections = enforceConnectionLimits(app.server, connectionLimits, logger, {
    refused: (reason) => metrics.connectionsRefused.inc({ reason }),
  });
  app.decorate('connectionLimits', connectionLimits);
  if (metricsOn || tracing) {
    const stopObserving = db.observeQueries(
      createQueryObserver({
        dialect: db.dialect,
        metrics: metricsOn ? metrics : undefined,
        tracing,
      }),
    );
    app.addHook('onClose', async () => stopObserving());
  }
  if (tracing) {
    // The last flush may find the collector down: say so, but never fail the shutdown for it.
    app.addHook('onClose', async () => {
      await tracing.shutdown().catch((error: unknown) => {
        app.log.warn(
          { event: 'tracing.flush_failed', err: error },
          'spans not exported at shutdown',
        );
      });
    });
  }
  const processorUrl = config.processor.url;
  app.decorate(
    'processor',
    overrides.processor ??
      (processorUrl === undefined
        ? undefined
        : createProcessorClient({
            baseUrl: processorUrl,
            attemptTimeoutMs: config.processor.attemptTimeoutMs,
            deadlineMs: config.processor.deadlineMs,
            maxAttempts: config.processor.maxAttempts,
            breakerThreshold: config.processor.breakerThreshold,
            breakerHalfOpenAfterMs: config.processor.breakerHalfOpenAfterMs,
            logger: logger.child({ component: 'processor' }),
            observer: {
              attempt: (operation, outcome, seconds) =>
                metrics.processorDuration.observe({ operation, outcome }, seconds),
              retry: (operation) => metrics.processorRetries.inc({ operation }),
            },
            tracing,
          })),
  );
  // With Redis, a change made through one instance evicts the cached copy on all of them.
  const invalidation =
    overrides.invalidation ??
    (config.redis
      ? createRedisBus({
          url: config.redis.url,
          channel: config.cacheInvalidationChannel,
          commandTimeoutMs: config.redis.commandTimeoutMs,
          log: logger.child({ component: 'invalidation' }),
        })
      : createMemoryBus());
  app.decorate('invalidation', invalidation);
  app.addHook('onReady', () => invalidation.ready());
  if (overrides.invalidation === undefined) app.addHook('onClose', () => invalidation.close());
  const countLookup = (cache: string, result: 'hit' | 'miss') =>
    metrics.cacheRequests.inc({ cache, result });
  const keys = createKeyVerifier({
    db: db.kysely,
    ...config.apiKeys,
    invalidation,
    observe: countLookup,
  });
  const accounts = createAccountStatuses({
    db: db.kysely,
    ttlMs: config.apiKeys.cacheTtlMs,
    max: config.apiKeys.cacheMax,
    invalidation,
    observe: countLookup,
  });
  app.decorate('accounts', accounts);
  app.addHook('onClose', async () => accounts.close());
  // Hot single-resource GETs; every write path invalidates them (README "Caches").
  const caching = { ...config.resourceCache, invalidation, observe: countLookup };
  const orderCache = createResourceCache<Order>({ kind: ORDER_CACHE_KIND, ...caching });
  const userCache = createResourceCache<User>({ kind: USER_CACHE_KIND, ...caching });
  const orderChanged = (accountId: string, orderId: string) =>
    orderCache.invalidate(accountId, orderId);
  app.addHook('onClose', async () => {
    orderCache.close();
    userCache.close();
  });
  const jwt = config.jwt
    ? createJwtVerifier({
        db: db.kysely,
        ...config.jwt,
        onJwksFetch: jwksFetchObserver(logger.child({ component: 'jwks' }), metrics),
      })
    : undefined;
  const flushTimer = setInterval(() => {
    keys
      .flushLastUsed()
      .catch((error: unknown) => app.log.warn({ err: error }, 'last-used flush failed'));
  }, config.apiKeys.lastUsedFlushMs);
  flushTimer.unref();
  app.decorate('apiKeys', keys);
  app.addHook('onClose', async () => {
    clearInterval(flushTimer);
    // Buffered last-used times are written before the database goes away.
    await keys
      .flushLastUsed()
      .catch((error: unknown) => app.log.warn({ err: error }, 'last-used flush failed'));
    keys.close();
    if (ownsDb) await db.close();
  });
  // While draining, every response closes its connection: a keep-alive socket whose request was
  // in flight would otherwise idle until KEEP_ALIVE_TIMEOUT_MS and hold server.close() open.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (app.lifecycle.draining) reply.header('connection', 'close');
    return payload;
  });

  // First, so every later hook, log line, query and processor call runs inside the request span.
  await app.register(requestTracing, {
    tracing,
    trustInbound: config.observability.tracing.trustInbound,
  });
  if (metricsOn) await app.register(httpMetrics, { metrics });
  await app.register(errorHandler, { publicBaseUrl: config.publicBaseUrl });
  await app.register(handlerDeadline, { timeoutMs: config.handlerTimeoutMs });
  await app.register(accessLog);
  await app.register(securityHeaders);
  await registerProtection(app, config);
  // Health probes are polled by orchestrators and must answer even when Redis does not.
  const bench = overrides.bench ?? {};
  const rateLimits =
    bench.rateLimits === false
      ? undefined
      : createRateLimits({
          settings: config.rateLimit,
          redis: config.redis,
          store: overrides.rateLimitStore,
          exemptRoutes: ['/livez', '/readyz'],
          log: logger,
        });
  if (rateLimits) await app.register(rateLimits.plugin);
  await app.register(jsonOnly);
  await app.register(emptyBodyAsObject);
  await app.register(conditionalRequests);

  // Documentation first: @fastify/swagger only sees routes registered after it.
  await registerDocumentation(app, {
    changes: [...LIST_CHANGES, ...orderChanges, ...paymentChanges],
  });
  registerHealthRoutes(app, {
    checkDependencies: () => db.ping(),
    checkTimeoutMs: config.readinessTimeoutMs,
    isDraining: () => app.lifecycle.draining,
    degradations: jwt ? { jwks: () => jwksDegradation(jwt.jwksStatus()) } : {},
    publicBaseUrl: config.publicBaseUrl,
  });
  registerProblemPages(app);
  registerDiscoveryRoutes(app, config);
  if (config.operatorToken !== undefined) {
    await registerOperatorRoutes(app, { token: config.operatorToken });
  }
  scheduleIdempotencyPurge(app, {
    db: db.kysely,
    intervalMs: config.idempotency.purgeIntervalMs,
  });

  const observe: TransitionObserver = (transition) => {
    (transition.kind === 'payment' ? metrics.payments : metrics.refunds).inc({
      outcome: transition.to,
    });
    logger.info(
      { event: `${transition.kind}.transitioned`, ...transition },
      `${transition.kind} ${transition.from ?? 'created'} -> ${transition.to}`,
    );
  };
  Object.assign(metrics.sources, {
    ready: async () =>
      !app.lifecycle.draining &&
      (await withinDeadline(() => db.ping(), config.readinessTimeoutMs).then(
        () => true,
        () => false,
      )),
    awaitingReconciliation: () => countAwaitingReconciliation(db.kysely),
    breakerState: app.processor ? () => app.processor!.breakerState() : undefined,
    pool: () => db.poolStats(),
    connections: () => ({ open: connections.open(), max: connectionLimits.max }),
    jwks:
      jwt && config.jwt
        ? () => ({ ...jwt.jwksStatus(), maxStaleSeconds: config.jwt!.jwksMaxStaleSeconds })
        : undefined,
  });

  // Everything registered in this context requires an API key or access token, and a scope.
  await app.register(async (authenticated) => {
    rateLimits?.beforeAuthentication(authenticated);
    if (bench.actAs) actAsFixedPrincipal(authenticated, bench.actAs);
    else requireAuthentication(authenticated, { keys, jwt, accounts });
    rateLimits?.afterAuthentication(authenticated);
    // After authentication (keys are per account) and rate limits (a refused request takes no key).
    if (bench.idempotency !== false)
      registerIdempotency(authenticated, { db: db.kysely, settings: config.idempotency });
    registerApiKeyRoutes(authenticated, {
      apiKeys: createApiKeysService({ db: db.kysely, keys }),
      publicBaseUrl: config.publicBaseUrl,
    });
    registerUserRoutes(authenticated, {
      users: createUsersService({ db: db.kysely, cache: userCache }),
      publicBaseUrl: config.publicBaseUrl,
    });
    registerOrderRoutes(authenticated, {
      orders: createOrdersService({ db: db.kysely, cache: orderCache }),
      publicBaseUrl: config.publicBaseUrl,
    });
    registerPaymentRoutes(authenticated, {
      payments: createPaymentsService({
        db: db.kysely,
        processor: app.processor,
        observe,
        orderChanged,
      }),
      refunds: createRefundsService({
        db: db.kysely,
        processor: app.processor,
        observe,
        orderChanged,
      }),
      publicBaseUrl: config.publicBaseUrl,
    });
  });

  // Open payments (unknown outcome, or orphaned by a crash) are settled against the processor.
  const reconciler = app.processor
    ? createReconciler({
        db: db.kysely,
        processor: app.processor,
        logger: logger.child({ component: 'reconciler' }),
        staleAfterMs: config.payments.reconcileStaleAfterMs,
        observe,
        orderChanged,
      })
    : undefined;
  app.decorate('reconciler', reconciler);
  if (reconciler) {
    const reconcileTimer = setInterval(() => {
      reconciler
        .runOnce()
        .catch((error: unknown) => app.log.warn({ err: error }, 'reconciliation pass failed'));
    }, config.payments.reconcileIntervalMs);
    reconcileTimer.unref();
    app.addHook('onClose', async () => clearInterval(reconcileTimer));
  }

  return app;
}
