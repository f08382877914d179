import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Every metric the API exposes, on a registry of its own per app (tests build many apps in one
 * process). Label values are always from small fixed sets: route patterns, methods, status
 * classes, problem codes, policy names, outcomes. Never raw paths, ids or tenants.
 */

/** Request latency buckets (seconds): SLO thresholds 0.1/0.25/0.5 fall on bucket bounds. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** DB queries are mostly sub-millisecond on SQLite and a few ms on PostgreSQL. */
const DB_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5];
const PROCESSOR_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Sampled at scrape time by whoever owns the state (database, processor, lifecycle). */
export interface MetricSources {
  /** 1 when the app would answer /readyz with 200. */
  ready?: () => Promise<boolean>;
  /** Open payments and refunds parked for reconciliation. */
  awaitingReconciliation?: () => Promise<{ payments: number; refunds: number }>;
  /** 0 closed, 1 half-open, 2 open. */
  breakerState?: () => 'closed' | 'half_open' | 'open';
  /** Connection pool counts (PostgreSQL only). */
  pool?: () => { total: number; idle: number; waiting: number; max: number } | undefined;
  /** The adaptive in-flight limit of load shedding, and the requests it has admitted. */
  concurrency?: () => { limit: number; inFlight: number };
  /** Open client connections of the API listener and its cap. */
  connections?: () => { open: number; max: number };
  /** Age in seconds of the oldest due webhook delivery of an enabled endpoint (0 when none). */
  webhookBacklogAgeSeconds?: () => Promise<number>;
  /** The identity provider's key set (JWT on only). */
  jwks?: () => { ageSeconds: number | undefined; stale: boolean; maxStaleSeconds: number };
}

export type Metrics = ReturnType<typeof createMetrics>;

const BREAKER_VALUE = { closed: 0, half_open: 1, open: 2 } as const;
/** db.client.connection.pool.name: one pool per instance. */
const POOL_NAME = 'steadfast';

/** Creates the registry and every metric; `sources` may be attached later with `observe`. */
export function createMetrics(options: { defaultMetrics: boolean }) {
  const registry = new Registry();
  if (options.defaultMetrics) {
    // process_* and nodejs_* (event-loop lag, heap, GC, handles): the saturation signals.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 });
  }
  const sources: MetricSources = {};

  const metrics = {
    registry,
    sources,
    // Names and labels follow the OpenTelemetry HTTP semantic conventions (http.server.*),
    // as an OTel SDK exporting to Prometheus would write them, so standard dashboards fit.
    requestDuration: new Histogram({
      name: 'http_server_request_duration_seconds',
      help: 'Duration of HTTP server requests, by method, route pattern and status code.',
      labelNames: [
        'http_request_method',
        'http_route',
        'http_response_status_code',
        'url_scheme',
        'error_type',
      ] as const,
      buckets: HTTP_BUCKETS,
      registers: [registry],
    }),
    activeRequests: new Gauge({
      name: 'http_server_active_requests',
      help: 'Number of active HTTP server requests (received, not yet answered).',
      labelNames: ['http_request_method', 'url_scheme'] as const,
      registers: [registry],
    }),
    problems: new Counter({
      name: 'steadfast_problems_total',
      help: 'Error responses (problem+json) by catalogue code and status.',
      labelNames: ['code', 'status'] as const,
      registers: [registry],
    }),
    rateLimitRejections: new Counter({
      name: 'steadfast_rate_limit_rejections_total',
      help: 'Requests refused with 429, by the policy that refused them.',
      labelNames: ['policy'] as const,
      registers: [registry],
    }),
    authFailures: new Counter({
      name: 'steadfast_auth_failures_total',
      help: 'Requests refused by authentication or authorisation, by reason.',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    idempotency: new Counter({
      name: 'steadfast_idempotency_requests_total',
      help: 'POSTs carrying an Idempotency-Key, by outcome (executed, resumed, replayed, key_reused, in_progress).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    payments: new Counter({
      name: 'steadfast_payments_total',
      help: 'Payment state transitions, by the state entered.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    refunds: new Counter({
      name: 'steadfast_refunds_total',
      help: 'Refund state transitions, by the state entered.',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    processorDuration: new Histogram({
      name: 'steadfast_processor_request_duration_seconds',
      help: 'Duration of each attempt to call the payment processor, by operation and outcome.',
      labelNames: ['operation', 'outcome'] as const,
      buckets: PROCESSOR_BUCKETS,
      registers: [registry],
    }),
    processorRetries: new Counter({
      name: 'steadfast_processor_retries_total',
      help: 'Payment processor attempts retried after a timeout, 5xx or connection error.',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
    cacheRequests: new Counter({
      name: 'steadfast_cache_requests_total',
      help: 'Lookups in the in-process caches (api_key, order, user, list), by result (hit, miss).',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    }),
    loadShed: new Counter({
      name: 'steadfast_load_shed_total',
      help: 'Requests refused with 503 by load shedding, by reason (concurrency, eventLoopDelay, heapUsedBytes, rssBytes).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    connectionsRefused: new Counter({
      name: 'steadfast_connections_refused_total',
      help: 'Connections closed at once because a cap was reached, by cap (total, per_address).',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: 'steadfast_background_job_runs_total',
      help: 'Passes of the background jobs (purge, last-used flush, reconciliation), by job and outcome (ok, failed).',
      labelNames: ['job', 'outcome'] as const,
      registers: [registry],
    }),
    webhookDeliveries: new Counter({
      name: 'steadfast_webhook_deliveries_total',
      help: 'Webhook delivery attempts, by outcome (succeeded; retried: failed, another attempt is scheduled; failed: failed, none left).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    webhookAttemptDuration: new Histogram({
      name: 'steadfast_webhook_attempt_duration_seconds',
      help: 'Duration of one webhook delivery attempt (connect, send, read the capped response).',
      buckets: PROCESSOR_BUCKETS,
      registers: [registry],
    }),
    webhookDeliveryLatency: new Histogram({
      name: 'steadfast_webhook_delivery_latency_seconds',
      help: 'From an event being written to its successful delivery to an endpoint, retries included.',
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400],
      registers: [registry],
    }),
    webhookEndpointsDisabled: new Counter({
      name: 'steadfast_webhook_endpoints_disabled_total',
      help: 'Webhook endpoints disabled automatically after WEBHOOK_DISABLE_AFTER_FAILURES consecutive failed attempts.',
      registers: [registry],
    }),
    jwksFetches: new Counter({
      name: 'steadfast_jwks_fetches_total',
      help: 'Fetches of the identity provider JWKS, by outcome (success, failure).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    // OpenTelemetry database semantic conventions (db.client.operation.duration).
    dbOperationDuration: new Histogram({
      name: 'db_client_operation_duration_seconds',
      help: 'Duration of database client operations, by system, operation and error type.',
      labelNames: ['db_system_name', 'db_operation_name', 'error_type'] as const,
      buckets: DB_BUCKETS,
      registers: [registry],
    }),
  };

  // Present at 0 from the start, so rate() and alerts see the series before the first refusal.
  for (const reason of ['queueTime', 'concurrency', 'eventLoopDelay', 'heapUsedBytes', 'rssBytes'])
    metrics.loadShed.inc({ reason }, 0);
  for (const reason of ['total', 'per_address']) metrics.connectionsRefused.inc({ reason }, 0);
  for (const outcome of ['succeeded', 'retried', 'failed'])
    metrics.webhookDeliveries.inc({ outcome }, 0);
  metrics.webhookEndpointsDisabled.inc(0);

  new Gauge({
    name: 'steadfast_processor_breaker_state',
    help: 'Payment processor circuit breaker: 0 closed, 1 half-open, 2 open.',
    registers: [registry],
    collect() {
      const state = sources.breakerState?.();
      if (state !== undefined) this.set(BREAKER_VALUE[state]);
    },
  });
  new Gauge({
    name: 'steadfast_webhook_backlog_age_seconds',
    help: 'How long the oldest due webhook delivery of an enabled endpoint has waited for a worker.',
    registers: [registry],
    async collect() {
      if (!sources.webhookBacklogAgeSeconds) return;
      // A failed read leaves the last value: the scrape must not fail with the database.
      const age = await sources.webhookBacklogAgeSeconds().catch(() => undefined);
      if (age !== undefined) this.set(age);
    },
  });
  new Gauge({
    name: 'steadfast_ready',
    help: '1 when this instance would answer /readyz with 200 (database reachable, not draining).',
    registers: [registry],
    async collect() {
      if (sources.ready) this.set((await sources.ready()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'steadfast_awaiting_reconciliation',
    help: 'Payments and refunds whose outcome at the processor is unknown (requires_reconciliation).',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      if (!sources.awaitingReconciliation) return;
      // A failed count leaves the last value: the scrape must not fail with the database.
      const counts = await sources.awaitingReconciliation().catch(() => undefined);
      if (!counts) return;
      this.set({ kind: 'payment' }, counts.payments);
      this.set({ kind: 'refund' }, counts.refunds);
    },
  });
  // db.client.connection.* (semantic conventions): the parts, idle and used, and no "total"
  // beside them, which sum() gives; pending requests and the maximum as their own series.
  new Gauge({
    name: 'db_client_connection_count',
    help: 'PostgreSQL pool connections by state (idle, used).',
    labelNames: ['db_client_connection_state', 'db_client_connection_pool_name'] as const,
    registers: [registry],
    collect() {
      const pool = sources.pool?.();
      if (!pool) return;
      const name = { db_client_connection_pool_name: POOL_NAME };
      this.set({ ...name, db_client_connection_state: 'idle' }, pool.idle);
      this.set({ ...name, db_client_connection_state: 'used' }, pool.total - pool.idle);
    },
  });
  new Gauge({
    name: 'db_client_connection_pending_requests',
    help: 'Requests waiting for a PostgreSQL pool connection.',
    labelNames: ['db_client_connection_pool_name'] as const,
    registers: [registry],
    collect() {
      const pool = sources.pool?.();
      if (pool) this.set({ db_client_connection_pool_name: POOL_NAME }, pool.waiting);
    },
  });
  new Gauge({
    name: 'db_client_connection_max',
    help: 'The most connections the PostgreSQL pool may open (DB_POOL_MAX).',
    labelNames: ['db_client_connection_pool_name'] as const,
    registers: [registry],
    collect() {
      const pool = sources.pool?.();
      if (pool) this.set({ db_client_connection_pool_name: POOL_NAME }, pool.max);
    },
  });

  new Gauge({
    name: 'steadfast_concurrency_limit',
    help: 'Adaptive load-shedding limit on requests in flight; requests over it get 503.',
    registers: [registry],
    collect() {
      const concurrency = sources.concurrency?.();
      if (concurrency) this.set(concurrency.limit);
    },
  });
  new Gauge({
    name: 'steadfast_concurrency_in_flight',
    help: 'Requests admitted by the adaptive load-shedding limit and not yet answered.',
    registers: [registry],
    collect() {
      const concurrency = sources.concurrency?.();
      if (concurrency) this.set(concurrency.inFlight);
    },
  });
  new Gauge({
    name: 'steadfast_connections',
    help: 'Client connections of the API listener: open now, and the cap (MAX_CONNECTIONS or derived from ulimit -n).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const connections = sources.connections?.();
      if (!connections) return;
      this.set({ state: 'open' }, connections.open);
      this.set({ state: 'max' }, connections.max);
    },
  });
  new Gauge({
    name: 'steadfast_jwks_key_set_age_seconds',
    help: 'Seconds since the JWKS key set in use was fetched from the identity provider.',
    registers: [registry],
    collect() {
      const age = sources.jwks?.().ageSeconds;
      if (age !== undefined) this.set(age);
    },
  });
  new Gauge({
    name: 'steadfast_jwks_stale',
    help: '1 while the identity provider fails and the last good JWKS key set is served (stale-if-error).',
    registers: [registry],
    collect() {
      const jwks = sources.jwks?.();
      if (jwks) this.set(jwks.stale ? 1 : 0);
    },
  });
  new Gauge({
    name: 'steadfast_jwks_max_stale_seconds',
    help: 'JWT_JWKS_MAX_STALE_SECONDS: age past which a stale JWKS key set is dropped and JWTs get 503.',
    registers: [registry],
    collect() {
      const jwks = sources.jwks?.();
      if (jwks) this.set(jwks.maxStaleSeconds);
    },
  });

  return metrics;
}

const KNOWN_METHODS = new Set([
  'CONNECT',
  'DELETE',
  'GET',
  'HEAD',
  'OPTIONS',
  'PATCH',
  'POST',
  'PUT',
  'QUERY',
  'TRACE',
]);

/** http.request.method: the known methods as sent, anything else `_OTHER` (bounded labels). */
export function methodLabel(method: string): string {
  return KNOWN_METHODS.has(method) ? method : '_OTHER';
}
