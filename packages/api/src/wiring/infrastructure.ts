import type { FastifyBaseLogger } from 'fastify';
import type { Server } from 'node:http';
import type { Config } from '../config/index.js';
import { openDatabase, type Db } from '../db/database.js';
import { createKeyStore } from '../modules/api-keys/repository.js';
import { ORDER_CACHE_KIND, type Order } from '../modules/orders/service.js';
import type { TransitionObserver } from '../modules/payments/transitions.js';
import { USER_CACHE_KIND, type User } from '../modules/users/service.js';
import { createAccountStatuses, type AccountStatuses } from '../platform/auth/account-status.js';
import { jwksFetchObserver } from '../platform/auth/jwks-health.js';
import { createJwtVerifier, type JwtVerifier } from '../platform/auth/jwt-verifier.js';
import { createKeyVerifier, type KeyVerifier } from '../platform/auth/key-verifier.js';
import {
  createResourceCache,
  type CacheLookupObserver,
  type ResourceCache,
} from '../platform/caching/resource-cache.js';
import { createMemoryBus, type InvalidationBus } from '../platform/invalidation/bus.js';
import { createRedisBus } from '../platform/invalidation/redis-bus.js';
import { createQueryObserver } from '../platform/observability/db-telemetry.js';
import { createMetrics, type Metrics } from '../platform/observability/metrics.js';
import { createTracing, type Tracing } from '../platform/observability/tracing.js';
import { createCursorCodec, type CursorCodec } from '../platform/pagination/cursor.js';
import { processCursorSecret } from '../platform/pagination/cursor-secret.js';
import {
  enforceConnectionLimits,
  readDescriptorLimit,
  resolveConnectionLimits,
  type ConnectionLimits,
} from '../platform/security/connection-limits.js';
import { createProcessorClient } from '../processor/client.js';
import type { ProcessorClient } from '../processor/types.js';
import type { AppOverrides } from './overrides.js';

/** The service version traces report (`service.version`). */
export const API_VERSION = '1.0.0';

/** The shared parts that requests and background jobs use, built once per app. */
export interface Infrastructure {
  db: Db;
  cursors: CursorCodec;
  metrics: Metrics;
  tracing: Tracing | undefined;
  connectionLimits: ConnectionLimits;
  /** Open client connections of the API listener, for the metrics. */
  openConnections: () => number;
  processor: ProcessorClient | undefined;
  invalidation: InvalidationBus;
  keys: KeyVerifier;
  accounts: AccountStatuses;
  jwt: JwtVerifier | undefined;
  /** Hot single-resource GETs; every write path invalidates them (README "Caches"). */
  caches: { orders: ResourceCache<Order>; users: ResourceCache<User> };
  /** Counts a cache lookup in `steadfast_cache_requests_total{cache,result}`. */
  observeCache: CacheLookupObserver;
  /** Counts and logs every payment and refund state change. */
  observeTransition: TransitionObserver;
  /** Releases everything this built (not what the overrides supplied), in dependency order. */
  close(): Promise<void>;
}

/** Builds the infrastructure from configuration; `overrides` replace parts (tests, benchmarks). */
export function buildInfrastructure(
  server: Server,
  config: Config,
  logger: FastifyBaseLogger,
  overrides: AppOverrides,
): Infrastructure {
  const db =
    overrides.db ??
    openDatabase({
      url: config.databaseUrl,
      poolMax: config.dbPoolMax,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      onQuery: overrides.onQuery,
      onConnectionLost: (error) =>
        logger.warn({ event: 'db.connection_lost', err: error }, 'database connection lost'),
    });
  const metricsOn = config.observability.metrics.enabled;
  const metrics = createMetrics({ defaultMetrics: metricsOn });
  const tracing = createTracing(config.observability.tracing, {
    version: API_VERSION,
    exporter: overrides.spanExporter,
  });
  const stopObserving =
    metricsOn || tracing
      ? db.observeQueries(
          createQueryObserver({
            dialect: db.dialect,
            metrics: metricsOn ? metrics : undefined,
            tracing,
          }),
        )
      : undefined;
  const connectionLimits = resolveConnectionLimits(config.connections, {
    descriptorLimit: readDescriptorLimit(),
    dbPoolMax: config.dbPoolMax,
    behindProxy: config.trustProxy !== false,
  });
  const connections = enforceConnectionLimits(server, connectionLimits, logger, {
    refused: (reason) => metrics.connectionsRefused.inc({ reason }),
  });
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
  const observe = (cache: string, result: 'hit' | 'miss') =>
    metrics.cacheRequests.inc({ cache, result });
  const keys = createKeyVerifier({
    store: createKeyStore(db.kysely),
    ...config.apiKeys,
    invalidation,
    observe,
  });
  const accounts = createAccountStatuses({
    db: db.kysely,
    ttlMs: config.apiKeys.cacheTtlMs,
    max: config.apiKeys.cacheMax,
    invalidation,
    observe,
  });
  const caching = { ...config.resourceCache, invalidation, observe };
  const caches = {
    orders: createResourceCache<Order>({ kind: ORDER_CACHE_KIND, ...caching }),
    users: createResourceCache<User>({ kind: USER_CACHE_KIND, ...caching }),
  };
  const jwt = config.jwt
    ? createJwtVerifier({
        db: db.kysely,
        ...config.jwt,
        onJwksFetch: jwksFetchObserver(logger.child({ component: 'jwks' }), metrics),
      })
    : undefined;

  return {
    db,
    cursors: createCursorCodec({
      current: config.cursors.secret ?? processCursorSecret(),
      previous: config.cursors.previousSecret,
      previousUntil: config.cursors.previousUntil,
    }),
    metrics,
    tracing,
    connectionLimits,
    openConnections: connections.open,
    processor: overrides.processor ?? processorFrom(config, logger, metrics, tracing),
    invalidation,
    keys,
    accounts,
    jwt,
    caches,
    observeCache: observe,
    observeTransition: (transition) => {
      (transition.kind === 'payment' ? metrics.payments : metrics.refunds).inc({
        outcome: transition.to,
      });
      logger.info(
        { event: `${transition.kind}.transitioned`, ...transition },
        `${transition.kind} ${transition.from ?? 'created'} -> ${transition.to}`,
      );
    },
    async close() {
      caches.orders.close();
      caches.users.close();
      accounts.close();
      keys.close();
      if (overrides.invalidation === undefined) await invalidation.close();
      stopObserving?.();
      // The last flush may find the collector down: say so, but never fail the shutdown for it.
      await tracing?.shutdown().catch((error: unknown) => {
        logger.warn(
          { event: 'tracing.flush_failed', err: error },
          'spans not exported at shutdown',
        );
      });
      if (overrides.db === undefined) await db.close();
    },
  };
}

/** The payment processor client, when PAYMENT_PROCESSOR_URL gives one. */
function processorFrom(
  config: Config,
  logger: FastifyBaseLogger,
  metrics: Metrics,
  tracing: Tracing | undefined,
): ProcessorClient | undefined {
  const { processor } = config;
  if (processor.url === undefined) return undefined;
  return createProcessorClient({
    baseUrl: processor.url,
    attemptTimeoutMs: processor.attemptTimeoutMs,
    deadlineMs: processor.deadlineMs,
    maxAttempts: processor.maxAttempts,
    breakerThreshold: processor.breakerThreshold,
    breakerHalfOpenAfterMs: processor.breakerHalfOpenAfterMs,
    logger: logger.child({ component: 'processor' }),
    observer: {
      attempt: (operation, outcome, seconds) =>
        metrics.processorDuration.observe({ operation, outcome }, seconds),
      retry: (operation) => metrics.processorRetries.inc({ operation }),
    },
    tracing,
  });
}
