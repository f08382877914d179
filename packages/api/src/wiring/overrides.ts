import type { SpanExporter } from '@opentelemetry/sdk-trace';
import type { RouteOptions } from 'fastify';
import type { LogEvent } from 'kysely';
import type { DestinationStream } from 'pino';
import type { Db } from '../db/database.js';
import type { Principal } from '../platform/auth/principal.js';
import type { InvalidationBus } from '../platform/invalidation/bus.js';
import type { RateLimitStore } from '../platform/rate-limit/store.js';
import type { ProcessorClient } from '../processor/types.js';

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
