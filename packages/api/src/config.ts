import { isIP } from 'node:net';
import { isPostgresUrl } from './db/url.js';
/**
 * One typed, validated configuration object, read from the environment once at start.
 * Every variable is documented in README.md ("Configuration"); a bad value fails fast and names
 * the variable, so a misconfigured deploy never starts half-working.
 */

import { loadSecurityConfig, type SecurityConfig } from './security-config.js';
import { loadProcessorConfig, type ProcessorConfig } from './processor/config.js';
import { loadObservabilityConfig, type ObservabilityConfig } from './observability-config.js';
import { loadVersioningConfig, type VersioningConfig } from './versioning-config.js';

export type Environment = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** The TLS, CORS, request-limit and load-shedding fields live in security-config.ts. */
export interface Config extends SecurityConfig {
  /** NODE_ENV: development enables the demo tenant and pretty logs on a TTY. */
  env: Environment;
  /** HOST: interface to bind; loopback by default so nothing is exposed by accident. */
  host: string;
  /** PORT: TCP port of the API listener. */
  port: number;
  /** PUBLIC_BASE_URL: absolute URL clients use; builds Link headers and problem `type` URIs. */
  publicBaseUrl: string;
  /** DATABASE_URL: `postgres://…` for PostgreSQL, otherwise a SQLite file path (`sqlite:` optional). */
  databaseUrl: string;
  /** DB_POOL_MAX: PostgreSQL connection pool size per instance. */
  dbPoolMax: number;
  /** DB_STATEMENT_TIMEOUT_MS: PostgreSQL statement timeout and SQLite busy timeout. */
  dbStatementTimeoutMs: number;
  /** MIGRATE_ON_START: apply pending migrations when the process starts. */
  migrateOnStart: boolean;
  /** LOG_LEVEL: pino level. */
  logLevel: LogLevel;
  /** BODY_LIMIT_BYTES: largest accepted request body; larger answers 413. */
  bodyLimitBytes: number;
  /** REQUEST_TIMEOUT_MS: time allowed to receive a whole request (slow-loris guard). */
  requestTimeoutMs: number;
  /** HEADERS_TIMEOUT_MS: time allowed to receive the request headers. */
  headersTimeoutMs: number;
  /** READINESS_TIMEOUT_MS: longest /readyz waits for the database before answering 503. */
  readinessTimeoutMs: number;
  /** HANDLER_TIMEOUT_MS: longest a handler may run before the client gets 503 handler_timeout. */
  handlerTimeoutMs: number;
  /** KEEP_ALIVE_TIMEOUT_MS: idle keep-alive; above a load balancer's idle timeout (60 s typical). */
  keepAliveTimeoutMs: number;
  /** SHUTDOWN_DELAY_MS: after SIGTERM, time readiness reports 503 before the listener closes. */
  shutdownDelayMs: number;
  /** SHUTDOWN_TIMEOUT_MS: upper bound for in-flight requests to finish during shutdown. */
  shutdownTimeoutMs: number;
  /** TRUST_PROXY: trust X-Forwarded-* from these proxies (true, false, or a comma-separated IP/CIDR list). */
  trustProxy: boolean | string;
  /** SEED_DEMO_TENANT: on first start with an empty database, create a demo tenant and print a key. */
  seedDemoTenant: boolean;
  /** API key verification cache and last-used bookkeeping. */
  apiKeys: {
    /** API_KEY_CACHE_TTL_MS: how long a key row is trusted without re-reading it (bounds revocation lag on other nodes); 0 turns the cache off. */
    cacheTtlMs: number;
    /** API_KEY_CACHE_MAX: most key rows cached per process (and most unknown prefixes remembered). */
    cacheMax: number;
    /** API_KEY_NEGATIVE_CACHE_TTL_MS: how long an unknown key prefix is remembered as unknown; 0 turns it off. */
    negativeCacheTtlMs: number;
    /** API_KEY_LAST_USED_FLUSH_MS: interval at which last-used times are written, in one batch. */
    lastUsedFlushMs: number;
  };
  /** OAuth2/OIDC access tokens; undefined unless JWT_JWKS_URL is set. */
  jwt?: JwtConfig;
  /** REDIS_URL: shared state for N instances (rate limits); undefined keeps it in memory. */
  redis?: RedisConfig;
  /** CACHE_INVALIDATION_CHANNEL: Redis pub/sub channel on which instances drop each other's stale cache entries. */
  cacheInvalidationChannel: string;
  /** In-process caches of single orders and users (hot GETs), invalidated on every write. */
  resourceCache: {
    /** RESOURCE_CACHE_TTL_MS: longest a cached order or user is served (bounds staleness if an invalidation is lost); 0 turns the caches off. */
    ttlMs: number;
    /** RESOURCE_CACHE_MAX: most orders, and most users, cached per process. */
    max: number;
  };
  /** OPERATOR_TOKEN: enables the operator API (/operator/tenants/…) with this bearer credential. */
  operatorToken?: string;
  /** Pagination cursor signing (docs/pagination.md "Signed cursors"). */
  cursors: CursorConfig;
  /** Rate-limit policies and how a store outage is handled (README "Rate limits"). */
  rateLimit: RateLimitConfig;
  /** Idempotency-Key records (README "Idempotency"). */
  idempotency: IdempotencyConfig;
  /** The payment processor: URL (unset = built-in sandbox), timeouts, retries, breaker. */
  processor: ProcessorConfig;
  /** Metrics listener and OpenTelemetry tracing (docs/operations.md). */
  observability: ObservabilityConfig;
  /** API version lifecycle: when v1 was deprecated and when it sunsets (docs/versioning.md). */
  versioning: VersioningConfig;
  /** Payment reconciliation. */
  payments: {
    /** RECONCILE_INTERVAL_MS: how often each instance reconciles open payments and refunds. */
    reconcileIntervalMs: number;
    /** RECONCILE_STALE_AFTER_MS: a processing payment idle this long is presumed orphaned by a crash; keep it above PROCESSOR_DEADLINE_MS. */
    reconcileStaleAfterMs: number;
  };
}

export interface CursorConfig {
  /** CURSOR_SECRET: signs pagination cursors; required in production, generated in development. */
  secret?: string;
  /** CURSOR_SECRET_PREVIOUS: the secret before a rotation, still accepted until the time below. */
  previousSecret?: string;
  /** CURSOR_SECRET_PREVIOUS_UNTIL: ISO 8601 time until which the previous secret is accepted. */
  previousUntil?: Date;
}

export interface IdempotencyConfig {
  /** IDEMPOTENCY_TTL_HOURS: how long a key and its recorded response are kept. */
  ttlHours: number;
  /** IDEMPOTENCY_LOCK_TIMEOUT_MS: age after which an in-flight key is presumed abandoned and may be taken over; must exceed the longest request (processor deadline included). */
  lockTimeoutMs: number;
  /** IDEMPOTENCY_PURGE_INTERVAL_MS: interval of the job that deletes expired keys. */
  purgeIntervalMs: number;
}

export interface RedisConfig {
  /** REDIS_URL: `redis://` or `rediss://` (TLS) URL. */
  url: string;
  /** REDIS_COMMAND_TIMEOUT_MS: upper bound for one Redis command, so a sick Redis cannot stall requests. */
  commandTimeoutMs: number;
}

/** One GCRA policy: `quota` requests per `windowSeconds`, in bursts of up to `quota`. */
export interface RateLimitPolicyConfig {
  quota: number;
  windowSeconds: number;
}

export interface RateLimitConfig {
  /** RATE_LIMIT_API_KEY_QUOTA / _WINDOW_SECONDS: all requests of one API key or token. */
  apiKey: RateLimitPolicyConfig;
  /** RATE_LIMIT_WRITE_QUOTA / _WINDOW_SECONDS: POST, PUT, PATCH and DELETE of one key, on top. */
  writes: RateLimitPolicyConfig;
  /** RATE_LIMIT_IP_QUOTA / _WINDOW_SECONDS: unauthenticated requests (public routes) per client address. */
  ip: RateLimitPolicyConfig;
  /** RATE_LIMIT_AUTH_FAILURE_QUOTA / _WINDOW_SECONDS: 401s per client address before its authenticated requests get 429. */
  authFailures: RateLimitPolicyConfig;
  /** RATE_LIMIT_ON_STORE_ERROR: when the store cannot answer, allow (`open`) or answer 503 (`closed`). */
  onStoreError: 'open' | 'closed';
  /** RATE_LIMIT_REDIS_PREFIX: prefix of every rate-limit key in Redis. */
  redisPrefix: string;
}

export interface JwtConfig {
  /** JWT_JWKS_URL: the identity provider's JWKS endpoint. */
  jwksUrl: string;
  /** JWT_ISSUER: required `iss`. */
  issuer: string;
  /** JWT_AUDIENCE: required `aud`. */
  audience: string;
  /** JWT_TENANT_CLAIM: claim holding the account id (`acct_…`). */
  tenantClaim: string;
  /** JWT_SCOPE_CLAIM: claim holding the scopes (space-separated string or array). */
  scopeClaim: string;
  /** JWT_CLOCK_SKEW_SECONDS: tolerance for exp/nbf/iat. */
  clockSkewSeconds: number;
  /** JWT_ALGORITHMS: accepted asymmetric algorithms. */
  algorithms: string[];
  /** JWT_JWKS_COOLDOWN_MS: minimum time between two JWKS fetches, successful or not; an unknown kid refetches at once past it. */
  jwksCooldownMs: number;
  /** JWT_JWKS_MAX_BACKOFF_MS: longest wait between JWKS fetches while the provider keeps failing. */
  jwksMaxBackoffMs: number;
  /** JWT_JWKS_MAX_STALE_SECONDS: how long the last good key set serves while the provider is down. */
  jwksMaxStaleSeconds: number;
  /** JWT_MAX_TOKEN_LIFETIME_SECONDS: largest accepted `exp - iat`; 0 = no limit. */
  maxTokenLifetimeSeconds: number;
}

/** Thrown when an environment variable is missing or malformed; the message names it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

export function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

export function oneOf<T extends string>(
  env: Env,
  name: string,
  fallback: T,
  allowed: readonly T[],
): T {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function httpUrl(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must use http or https, got "${url.protocol}"`);
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

function databaseUrl(env: Env): string {
  const raw = read(env, 'DATABASE_URL') ?? 'sqlite:./data/steadfast.db';
  if (isPostgresUrl(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
    }
    return raw;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new ConfigError('DATABASE_URL', 'must be postgres://… or a SQLite file path');
  }
  return raw;
}

function trustProxy(env: Env): boolean | string {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined || raw === 'false') return false;
  if (raw === 'true') return true;
  const entries = raw.split(',').map((entry) => entry.trim());
  const valid = entries.every((entry) => {
    const [address = '', prefix, extra] = entry.split('/');
    const family = isIP(address);
    if (family === 0 || extra !== undefined) return false;
    if (prefix === undefined) return true;
    return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  });
  if (valid) return entries.join(',');
  throw new ConfigError(
    'TRUST_PROXY',
    `must be true, false or a comma-separated IP/CIDR list, got "${raw}"`,
  );
}

const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^ES256K$/;

function jwtConfig(env: Env): JwtConfig | undefined {
  const jwksUrl = read(env, 'JWT_JWKS_URL');
  if (jwksUrl === undefined) return undefined;
  httpUrl(env, 'JWT_JWKS_URL', jwksUrl);
  const required = (name: string) => {
    const value = read(env, name);
    if (value === undefined) throw new ConfigError(name, 'is required when JWT_JWKS_URL is set');
    return value;
  };
  const algorithms = (read(env, 'JWT_ALGORITHMS') ?? 'RS256,PS256,ES256,EdDSA')
    .split(',')
    .map((a) => a.trim());
  const symmetric = algorithms.find((a) => !ASYMMETRIC.test(a));
  if (symmetric !== undefined) {
    // HS*/none would let anyone holding the public key (or no key) mint tokens.
    throw new ConfigError(
      'JWT_ALGORITHMS',
      `must list asymmetric algorithms only, got "${symmetric}"`,
    );
  }
  return {
    jwksUrl,
    issuer: required('JWT_ISSUER'),
    audience: required('JWT_AUDIENCE'),
    tenantClaim: read(env, 'JWT_TENANT_CLAIM') ?? 'tenant_id',
    scopeClaim: read(env, 'JWT_SCOPE_CLAIM') ?? 'scope',
    clockSkewSeconds: integer(env, 'JWT_CLOCK_SKEW_SECONDS', 30, 0, 300),
    algorithms,
    jwksCooldownMs: integer(env, 'JWT_JWKS_COOLDOWN_MS', 5_000, 0, 3_600_000),
    jwksMaxBackoffMs: integer(env, 'JWT_JWKS_MAX_BACKOFF_MS', 60_000, 100, 3_600_000),
    jwksMaxStaleSeconds: integer(env, 'JWT_JWKS_MAX_STALE_SECONDS', 86_400, 600, 30 * 86_400),
    maxTokenLifetimeSeconds: integer(env, 'JWT_MAX_TOKEN_LIFETIME_SECONDS', 0, 0, 30 * 86_400),
  };
}

function redisConfig(env: Env): RedisConfig | undefined {
  const url = read(env, 'REDIS_URL');
  if (url === undefined) return undefined;
  let valid = /^rediss?:\/\//.test(url);
  try {
    new URL(url);
  } catch {
    valid = false;
  }
  if (!valid) throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  return { url, commandTimeoutMs: integer(env, 'REDIS_COMMAND_TIMEOUT_MS', 250, 10, 10_000) };
}

/** A Redis key prefix or channel name; braces would change Redis Cluster hash tags. */
function redisName(env: Env, name: string, fallback: string): string {
  const value = read(env, name) ?? fallback;
  if (!/^[\w:.-]{1,64}$/.test(value)) {
    throw new ConfigError(name, 'must be 1-64 of A-Z a-z 0-9 _ : . -');
  }
  return value;
}

function rateLimitPolicy(env: Env, name: string, quota: number, windowSeconds: number) {
  return {
    quota: integer(env, `RATE_LIMIT_${name}_QUOTA`, quota, 1, 1_000_000),
    windowSeconds: integer(env, `RATE_LIMIT_${name}_WINDOW_SECONDS`, windowSeconds, 1, 86_400),
  };
}

function rateLimitConfig(env: Env): RateLimitConfig {
  const redisPrefix = read(env, 'RATE_LIMIT_REDIS_PREFIX') ?? 'steadfast:rl:';
  // Braces would change the Redis Cluster hash tag that keeps a subject's buckets in one slot.
  if (!/^[\w:.-]{1,64}$/.test(redisPrefix)) {
    throw new ConfigError('RATE_LIMIT_REDIS_PREFIX', 'must be 1-64 of A-Z a-z 0-9 _ : . -');
  }
  return {
    apiKey: rateLimitPolicy(env, 'API_KEY', 1200, 60),
    writes: rateLimitPolicy(env, 'WRITE', 300, 60),
    ip: rateLimitPolicy(env, 'IP', 300, 60),
    authFailures: rateLimitPolicy(env, 'AUTH_FAILURE', 50, 300),
    onStoreError: oneOf(env, 'RATE_LIMIT_ON_STORE_ERROR', 'open', ['open', 'closed']),
    redisPrefix,
  };
}

/** A secret of at least 32 characters, or undefined when unset. */
function longSecret(env: Env, name: string): string | undefined {
  const value = read(env, name);
  // 32 characters of base64 are 192 bits: an HMAC key an attacker cannot guess.
  if (value !== undefined && value.length < 32) {
    throw new ConfigError(name, 'must be at least 32 characters (e.g. `openssl rand -base64 32`)');
  }
  return value;
}

function cursorConfig(env: Env): CursorConfig {
  const previousSecret = longSecret(env, 'CURSOR_SECRET_PREVIOUS');
  const until = read(env, 'CURSOR_SECRET_PREVIOUS_UNTIL');
  if ((previousSecret === undefined) !== (until === undefined)) {
    throw new ConfigError(
      previousSecret === undefined ? 'CURSOR_SECRET_PREVIOUS' : 'CURSOR_SECRET_PREVIOUS_UNTIL',
      'must be set together with ' +
        (previousSecret === undefined ? 'CURSOR_SECRET_PREVIOUS_UNTIL' : 'CURSOR_SECRET_PREVIOUS'),
    );
  }
  const previousUntil = until === undefined ? undefined : new Date(until);
  if (previousUntil !== undefined && Number.isNaN(previousUntil.getTime())) {
    throw new ConfigError(
      'CURSOR_SECRET_PREVIOUS_UNTIL',
      `must be an ISO 8601 time, got "${until}"`,
    );
  }
  return { secret: longSecret(env, 'CURSOR_SECRET'), previousSecret, previousUntil };
}

function idempotencyConfig(env: Env, handlerTimeoutMs: number): IdempotencyConfig {
  const lockTimeoutMs = integer(env, 'IDEMPOTENCY_LOCK_TIMEOUT_MS', 60_000, 1_000, 3_600_000);
  // A lock that expires while its request still runs lets a retry execute the request twice.
  if (lockTimeoutMs <= handlerTimeoutMs) {
    throw new ConfigError('IDEMPOTENCY_LOCK_TIMEOUT_MS', 'must exceed HANDLER_TIMEOUT_MS');
  }
  return {
    ttlHours: integer(env, 'IDEMPOTENCY_TTL_HOURS', 24, 1, 24 * 30),
    lockTimeoutMs,
    purgeIntervalMs: integer(env, 'IDEMPOTENCY_PURGE_INTERVAL_MS', 600_000, 1_000, 86_400_000),
  };
}

/** Builds the configuration from an environment (process.env by default); throws ConfigError. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf<Environment>(env, 'NODE_ENV', 'development', [
    'development',
    'test',
    'production',
  ]);
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const requestTimeoutMs = integer(env, 'REQUEST_TIMEOUT_MS', 30_000, 1_000, 600_000);
  const headersTimeoutMs = integer(env, 'HEADERS_TIMEOUT_MS', 10_000, 1_000, 600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('HEADERS_TIMEOUT_MS', 'must not exceed REQUEST_TIMEOUT_MS');
  }
  const security = loadSecurityConfig(env);
  const handlerTimeoutMs = integer(env, 'HANDLER_TIMEOUT_MS', 15_000, 100, 600_000);
  return {
    ...security,
    env: nodeEnv,
    host,
    port,
    publicBaseUrl: httpUrl(
      env,
      'PUBLIC_BASE_URL',
      `${security.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`,
    ),
    databaseUrl: databaseUrl(env),
    dbPoolMax: integer(env, 'DB_POOL_MAX', 10, 1, 500),
    dbStatementTimeoutMs: integer(env, 'DB_STATEMENT_TIMEOUT_MS', 5_000, 100, 600_000),
    migrateOnStart: boolean(env, 'MIGRATE_ON_START', true),
    logLevel: oneOf<LogLevel>(env, 'LOG_LEVEL', nodeEnv === 'test' ? 'silent' : 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 100 * 1024, 1024, 10 * 1024 * 1024),
    requestTimeoutMs,
    headersTimeoutMs,
    handlerTimeoutMs,
    readinessTimeoutMs: integer(env, 'READINESS_TIMEOUT_MS', 2_000, 100, 60_000),
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 72_000, 1_000, 600_000),
    shutdownDelayMs: integer(
      env,
      'SHUTDOWN_DELAY_MS',
      nodeEnv === 'production' ? 5_000 : 0,
      0,
      120_000,
    ),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 100, 600_000),
    trustProxy: trustProxy(env),
    seedDemoTenant: boolean(env, 'SEED_DEMO_TENANT', nodeEnv === 'development'),
    apiKeys: {
      cacheTtlMs: integer(env, 'API_KEY_CACHE_TTL_MS', 30_000, 0, 3_600_000),
      cacheMax: integer(env, 'API_KEY_CACHE_MAX', 10_000, 1, 1_000_000),
      negativeCacheTtlMs: integer(env, 'API_KEY_NEGATIVE_CACHE_TTL_MS', 5_000, 0, 600_000),
      lastUsedFlushMs: integer(env, 'API_KEY_LAST_USED_FLUSH_MS', 60_000, 100, 3_600_000),
    },
    jwt: jwtConfig(env),
    redis: redisConfig(env),
    cacheInvalidationChannel: redisName(env, 'CACHE_INVALIDATION_CHANNEL', 'steadfast:invalidate'),
    resourceCache: {
      ttlMs: integer(env, 'RESOURCE_CACHE_TTL_MS', 10_000, 0, 3_600_000),
      max: integer(env, 'RESOURCE_CACHE_MAX', 10_000, 1, 1_000_000),
    },
    operatorToken: longSecret(env, 'OPERATOR_TOKEN'),
    cursors: cursorConfig(env),
    rateLimit: rateLimitConfig(env),
    idempotency: idempotencyConfig(env, handlerTimeoutMs),
    processor: loadProcessorConfig(env),
    observability: loadObservabilityConfig(env),
    versioning: loadVersioningConfig(env),
    payments: {
      reconcileIntervalMs: integer(env, 'RECONCILE_INTERVAL_MS', 60_000, 1_000, 86_400_000),
      reconcileStaleAfterMs: integer(env, 'RECONCILE_STALE_AFTER_MS', 120_000, 0, 86_400_000),
    },
  };
}
