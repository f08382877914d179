import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/database.js';
import type { Reconciler } from '../modules/payments/reconciler.js';
import type { AccountStatuses } from '../platform/auth/account-status.js';
import type { KeyVerifier } from '../platform/auth/key-verifier.js';
import type { InvalidationBus } from '../platform/invalidation/bus.js';
import type { Metrics } from '../platform/observability/metrics.js';
import type { Tracing } from '../platform/observability/tracing.js';
import type { ConnectionLimits } from '../platform/security/connection-limits.js';
import type { ProcessorClient } from '../processor/types.js';
import type { Infrastructure } from './infrastructure.js';

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

/** What the rest of the program (main.ts, CLIs, tests) reads off the app instance. */
export function decorateApp(
  app: FastifyInstance,
  infra: Infrastructure,
  reconciler: Reconciler | undefined,
): void {
  app.decorate('db', infra.db);
  app.decorate('cursors', infra.cursors);
  app.decorate('lifecycle', { draining: false });
  app.decorate('metrics', infra.metrics);
  app.decorate('tracing', infra.tracing);
  app.decorate('connectionLimits', infra.connectionLimits);
  app.decorate('processor', infra.processor);
  app.decorate('invalidation', infra.invalidation);
  app.decorate('accounts', infra.accounts);
  app.decorate('apiKeys', infra.keys);
  app.decorate('reconciler', reconciler);
}
