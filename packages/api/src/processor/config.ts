/**
 * The payment processor part of the configuration (README "Configuration"); loadConfig() puts it
 * under `config.processor`.
 */
import { ConfigError, integer, read } from '../config.js';

type Env = Record<string, string | undefined>;

export interface ProcessorConfig {
  /** PAYMENT_PROCESSOR_URL: the processor's base URL; undefined = main.ts starts the sandbox. */
  url?: string;
  /** PROCESSOR_ATTEMPT_TIMEOUT_MS: longest one HTTP attempt may take. */
  attemptTimeoutMs: number;
  /** PROCESSOR_DEADLINE_MS: longest one call may take, all attempts and backoff included. */
  deadlineMs: number;
  /** PROCESSOR_MAX_ATTEMPTS: attempts per call, the first included. */
  maxAttempts: number;
  /** PROCESSOR_BREAKER_THRESHOLD: consecutive failed attempts that open the circuit. */
  breakerThreshold: number;
  /** PROCESSOR_BREAKER_HALF_OPEN_MS: how long the circuit stays open before one trial call. */
  breakerHalfOpenAfterMs: number;
}

function processorUrl(env: Env): string | undefined {
  const raw = read(env, 'PAYMENT_PROCESSOR_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The value is not echoed: it may hold credentials.
    throw new ConfigError('PAYMENT_PROCESSOR_URL', 'must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError('PAYMENT_PROCESSOR_URL', `must use http or https, got "${url.protocol}"`);
  }
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    // Credentials in the URL would end up in logs; a query would be lost when paths are appended.
    throw new ConfigError('PAYMENT_PROCESSOR_URL', 'must not hold credentials, a query or a hash');
  }
  return url.origin + url.pathname.replace(/\/+$/, '');
}

export function loadProcessorConfig(env: Env): ProcessorConfig {
  const attemptTimeoutMs = integer(env, 'PROCESSOR_ATTEMPT_TIMEOUT_MS', 2_000, 10, 120_000);
  const deadlineMs = integer(env, 'PROCESSOR_DEADLINE_MS', 8_000, 10, 600_000);
  if (deadlineMs < attemptTimeoutMs) {
    throw new ConfigError(
      'PROCESSOR_DEADLINE_MS',
      'must not be less than PROCESSOR_ATTEMPT_TIMEOUT_MS',
    );
  }
  return {
    url: processorUrl(env),
    attemptTimeoutMs,
    deadlineMs,
    maxAttempts: integer(env, 'PROCESSOR_MAX_ATTEMPTS', 4, 1, 10),
    breakerThreshold: integer(env, 'PROCESSOR_BREAKER_THRESHOLD', 5, 1, 1_000),
    breakerHalfOpenAfterMs: integer(env, 'PROCESSOR_BREAKER_HALF_OPEN_MS', 10_000, 100, 600_000),
  };
}
