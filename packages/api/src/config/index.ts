/**
 * One typed, validated configuration object, read from the environment once at start. Each
 * variable is one entry in a section file of this folder; the README table is rendered from them
 * (`npm run docs:config`). A bad value fails fast and names the variable (main.ts exits 78), so a
 * misconfigured deploy never starts half-working.
 */
import { loadAuth, authEntries } from './auth.js';
import { cachingEntries, loadCaching } from './caching.js';
import { cursorEntries, loadCursors } from './cursors.js';
import { databaseEntries, loadDatabase } from './database.js';
import type { Entry, Env } from './entry.js';
import { idempotencyEntries, loadIdempotency } from './idempotency.js';
import { limitEntries, loadLimits } from './limits.js';
import { loadObservability, observabilityEntries } from './observability.js';
import { loadPayments, processorEntries } from './processor.js';
import { loadRateLimit, rateLimitEntries } from './rate-limit.js';
import { loadRedis, redisEntries } from './redis.js';
import { loadSecurity, securityEntries } from './security.js';
import { loadServer, serverEntries } from './server.js';
import { loadTimeouts, timeoutEntries } from './timeouts.js';
import { loadVersioning, versioningEntries } from './versioning.js';
import { loadWebhooks, webhookEntries } from './webhooks.js';

export { ConfigError, type Entry, type Env } from './entry.js';
export type { Environment, LogLevel } from './server.js';
export type { JwtConfig } from './auth.js';
export type { CursorConfig } from './cursors.js';
export type { IdempotencyConfig } from './idempotency.js';
export type {
  ObservabilityConfig,
  OtlpProtocol,
  PropagatorName,
  SamplerName,
  TraceExporterName,
  TracingConfig,
} from './observability.js';
export type { ProcessorConfig } from './processor.js';
export type { RateLimitConfig, RateLimitPolicyConfig } from './rate-limit.js';
export type { RedisConfig } from './redis.js';
export type { TlsConfig } from './security.js';
export type { VersioningConfig } from './versioning.js';
export type { WebhooksConfig } from './webhooks.js';

/** Every variable the configuration reads, in the order of the README table. */
export const configEntries: readonly Entry<unknown>[] = [
  ...serverEntries,
  ...databaseEntries,
  ...timeoutEntries,
  ...authEntries,
  ...cachingEntries,
  ...cursorEntries,
  ...redisEntries,
  ...rateLimitEntries,
  ...idempotencyEntries,
  ...processorEntries,
  ...securityEntries,
  ...limitEntries,
  ...observabilityEntries,
  ...versioningEntries,
  ...webhookEntries,
];

/** Builds the configuration from an environment (process.env by default); throws ConfigError. */
export function loadConfig(env: Env = process.env) {
  return {
    ...loadServer(env),
    ...loadDatabase(env),
    ...loadTimeouts(env),
    ...loadSecurity(env),
    ...loadLimits(env),
    ...loadAuth(env),
    redis: loadRedis(env),
    ...loadCaching(env),
    cursors: loadCursors(env),
    rateLimit: loadRateLimit(env),
    idempotency: loadIdempotency(env),
    ...loadPayments(env),
    observability: loadObservability(env),
    versioning: loadVersioning(env),
    webhooks: loadWebhooks(env),
  };
}

export type Config = ReturnType<typeof loadConfig>;
/** The part of the configuration the listener's own protections read (platform/security). */
export type SecurityConfig = ReturnType<typeof loadSecurity> &
  Omit<ReturnType<typeof loadLimits>, 'bodyLimitBytes'>;
