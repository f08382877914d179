/** Outbound webhooks: the delivery worker, its retry schedule, and its SSRF guard (docs/webhooks.md). */
import { boolean, ConfigError, integer, type Env } from './entry.js';

export const WEBHOOK_WORKER_ENABLED = boolean('WEBHOOK_WORKER_ENABLED', {
  default: true,
  doc: 'Run the webhook delivery worker in this instance. Safe on every instance at once (claims use `FOR UPDATE SKIP LOCKED` on PostgreSQL); on SQLite run it in one instance only.',
});

export const WEBHOOK_POLL_INTERVAL_MS = integer('WEBHOOK_POLL_INTERVAL_MS', {
  default: 1_000,
  min: 10,
  max: 60_000,
  doc: 'How often the worker looks for due deliveries.',
});

export const WEBHOOK_BATCH_SIZE = integer('WEBHOOK_BATCH_SIZE', {
  default: 20,
  min: 1,
  max: 500,
  doc: 'Deliveries one worker pass claims and sends concurrently.',
});

export const WEBHOOK_TIMEOUT_MS = integer('WEBHOOK_TIMEOUT_MS', {
  default: 10_000,
  min: 100,
  max: 60_000,
  doc: 'Per-attempt limit for connecting, sending and reading the response; a slower receiver counts as failed.',
});

export const WEBHOOK_LEASE_MS = integer('WEBHOOK_LEASE_MS', {
  default: 60_000,
  min: 1_000,
  max: 3_600_000,
  doc: 'How long a claimed delivery stays invisible to other workers; if its worker dies, it is due again after this. Must exceed `WEBHOOK_TIMEOUT_MS`.',
});

export const WEBHOOK_MAX_ATTEMPTS = integer('WEBHOOK_MAX_ATTEMPTS', {
  default: 16,
  min: 1,
  max: 50,
  doc: 'Attempts per delivery before it is marked `failed`. With the default backoff the last one is at most ~2.7 days after the first.',
});

export const WEBHOOK_BACKOFF_BASE_MS = integer('WEBHOOK_BACKOFF_BASE_MS', {
  default: 30_000,
  min: 1,
  max: 3_600_000,
  doc: 'Retry n waits a random delay between 0 and min(base × 2^(n-1), cap) (exponential backoff, full jitter).',
});

export const WEBHOOK_BACKOFF_CAP_MS = integer('WEBHOOK_BACKOFF_CAP_MS', {
  default: 43_200_000,
  min: 1,
  max: 86_400_000,
  doc: 'Longest wait between two attempts of one delivery, also the most a `Retry-After` can ask for.',
});

export const WEBHOOK_DISABLE_AFTER_FAILURES = integer('WEBHOOK_DISABLE_AFTER_FAILURES', {
  default: 50,
  min: 1,
  max: 100_000,
  doc: 'Consecutive failed attempts (any delivery, reset by a success) after which an endpoint is disabled and a `webhook_endpoint.disabled` event is sent.',
});

export const WEBHOOK_SECRET_OVERLAP_SECONDS = integer('WEBHOOK_SECRET_OVERLAP_SECONDS', {
  default: 86_400,
  min: 0,
  max: 604_800,
  doc: 'After `rotate_secret`, how long the previous secret keeps signing beside the new one.',
});

export const WEBHOOK_MAX_RESPONSE_BYTES = integer('WEBHOOK_MAX_RESPONSE_BYTES', {
  default: 4_096,
  min: 0,
  max: 1_048_576,
  doc: "How much of a receiver's response is read (and its first 200 characters kept in the delivery log); the rest is discarded.",
});

export const WEBHOOK_ALLOW_LOOPBACK = boolean('WEBHOOK_ALLOW_LOOPBACK', {
  default: false,
  doc: 'Allow endpoints on loopback addresses (127.0.0.0/8, ::1). For tests and local development only; private, link-local and metadata addresses stay refused.',
});

export const webhookEntries = [
  WEBHOOK_WORKER_ENABLED,
  WEBHOOK_POLL_INTERVAL_MS,
  WEBHOOK_BATCH_SIZE,
  WEBHOOK_TIMEOUT_MS,
  WEBHOOK_LEASE_MS,
  WEBHOOK_MAX_ATTEMPTS,
  WEBHOOK_BACKOFF_BASE_MS,
  WEBHOOK_BACKOFF_CAP_MS,
  WEBHOOK_DISABLE_AFTER_FAILURES,
  WEBHOOK_SECRET_OVERLAP_SECONDS,
  WEBHOOK_MAX_RESPONSE_BYTES,
  WEBHOOK_ALLOW_LOOPBACK,
];

export function loadWebhooks(env: Env) {
  const timeoutMs = WEBHOOK_TIMEOUT_MS.read(env);
  const leaseMs = WEBHOOK_LEASE_MS.read(env);
  // A lease that ends while the attempt still runs would let a second worker send it too.
  if (leaseMs <= timeoutMs)
    throw new ConfigError('WEBHOOK_LEASE_MS', 'must exceed WEBHOOK_TIMEOUT_MS');
  return {
    workerEnabled: WEBHOOK_WORKER_ENABLED.read(env),
    pollIntervalMs: WEBHOOK_POLL_INTERVAL_MS.read(env),
    batchSize: WEBHOOK_BATCH_SIZE.read(env),
    timeoutMs,
    leaseMs,
    maxAttempts: WEBHOOK_MAX_ATTEMPTS.read(env),
    backoffBaseMs: WEBHOOK_BACKOFF_BASE_MS.read(env),
    backoffCapMs: WEBHOOK_BACKOFF_CAP_MS.read(env),
    disableAfterFailures: WEBHOOK_DISABLE_AFTER_FAILURES.read(env),
    secretOverlapSeconds: WEBHOOK_SECRET_OVERLAP_SECONDS.read(env),
    maxResponseBytes: WEBHOOK_MAX_RESPONSE_BYTES.read(env),
    allowLoopback: WEBHOOK_ALLOW_LOOPBACK.read(env),
  };
}

export type WebhooksConfig = ReturnType<typeof loadWebhooks>;
