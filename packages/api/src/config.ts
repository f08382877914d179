/**
 * One typed, validated configuration object, read from the environment once at start.
 * Every variable is documented in README.md ("Configuration"); a bad value fails fast and names
 * the variable, so a misconfigured deploy never starts half-working.
 */

export type Environment = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
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

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name)?.toLowerCase();
  if (raw === undefined) return fallback;
  if (['true', '1', 'yes'].includes(raw)) return true;
  if (['false', '0', 'no'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
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
  if (/^postgres(ql)?:\/\//.test(raw)) {
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
  if (/^[0-9a-f.:/, ]+$/i.test(raw) && /[.:]/.test(raw)) return raw;
  throw new ConfigError(
    'TRUST_PROXY',
    `must be true, false or a comma-separated IP/CIDR list, got "${raw}"`,
  );
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
  return {
    env: nodeEnv,
    host,
    port,
    publicBaseUrl: httpUrl(
      env,
      'PUBLIC_BASE_URL',
      `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
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
    handlerTimeoutMs: integer(env, 'HANDLER_TIMEOUT_MS', 15_000, 100, 600_000),
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
  };
}
