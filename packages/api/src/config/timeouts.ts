/** How long the listener waits for clients, handlers, the database probe and shutdown. */
import { ConfigError, integer, type Env } from './entry.js';
import { NODE_ENV } from './server.js';

export const REQUEST_TIMEOUT_MS = integer('REQUEST_TIMEOUT_MS', {
  default: 30_000,
  min: 1_000,
  max: 600_000,
  doc: 'Time allowed to receive a whole request (slow-loris guard).',
});

export const HEADERS_TIMEOUT_MS = integer('HEADERS_TIMEOUT_MS', {
  default: 10_000,
  min: 1_000,
  max: 600_000,
  doc: 'Time allowed to receive the request headers; must not exceed `REQUEST_TIMEOUT_MS`.',
});

export const HANDLER_TIMEOUT_MS = integer('HANDLER_TIMEOUT_MS', {
  default: 15_000,
  min: 100,
  max: 600_000,
  doc: 'Longest a request may take from routing to response before the client gets `503 handler_timeout`.',
});

export const READINESS_TIMEOUT_MS = integer('READINESS_TIMEOUT_MS', {
  default: 2_000,
  min: 100,
  max: 60_000,
  doc: 'Longest `/readyz` waits for the database; a database that accepts connections but does not answer (frozen, partitioned) makes readiness answer `503` within this bound instead of hanging the probe.',
});

export const KEEP_ALIVE_TIMEOUT_MS = integer('KEEP_ALIVE_TIMEOUT_MS', {
  default: 72_000,
  min: 1_000,
  max: 600_000,
  doc: "How long an idle keep-alive connection stays open; above a load balancer's idle timeout (60 s typical).",
});

export const SHUTDOWN_DELAY_MS = integer('SHUTDOWN_DELAY_MS', {
  default: (env) => (NODE_ENV.read(env) === 'production' ? 5_000 : 0),
  defaultText: '`5000` in production, `0` otherwise',
  min: 0,
  max: 120_000,
  doc: 'After SIGTERM, how long readiness answers 503 before the listener closes.',
});

export const SHUTDOWN_TIMEOUT_MS = integer('SHUTDOWN_TIMEOUT_MS', {
  default: 10_000,
  min: 100,
  max: 600_000,
  doc: 'Upper bound for in-flight requests to finish once the listener closes.',
});

export const timeoutEntries = [
  REQUEST_TIMEOUT_MS,
  HEADERS_TIMEOUT_MS,
  HANDLER_TIMEOUT_MS,
  READINESS_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  SHUTDOWN_DELAY_MS,
  SHUTDOWN_TIMEOUT_MS,
];

export function loadTimeouts(env: Env) {
  const requestTimeoutMs = REQUEST_TIMEOUT_MS.read(env);
  const headersTimeoutMs = HEADERS_TIMEOUT_MS.read(env);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError('HEADERS_TIMEOUT_MS', 'must not exceed REQUEST_TIMEOUT_MS');
  }
  return {
    requestTimeoutMs,
    headersTimeoutMs,
    handlerTimeoutMs: HANDLER_TIMEOUT_MS.read(env),
    readinessTimeoutMs: READINESS_TIMEOUT_MS.read(env),
    keepAliveTimeoutMs: KEEP_ALIVE_TIMEOUT_MS.read(env),
    shutdownDelayMs: SHUTDOWN_DELAY_MS.read(env),
    shutdownTimeoutMs: SHUTDOWN_TIMEOUT_MS.read(env),
  };
}
