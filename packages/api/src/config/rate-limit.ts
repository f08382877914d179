/** Rate-limit policies (README "Rate limits") and how a store outage is handled. */
import { integer, oneOf, redisName, type Entry, type Env } from './entry.js';

/** One GCRA policy: `quota` requests per `windowSeconds`, in bursts of up to `quota`. */
export interface RateLimitPolicyConfig {
  quota: number;
  windowSeconds: number;
}

/** The two entries of one policy: RATE_LIMIT_<NAME>_QUOTA and RATE_LIMIT_<NAME>_WINDOW_SECONDS. */
function policy(name: string, quota: number, windowSeconds: number, subject: string) {
  return {
    quota: integer(`RATE_LIMIT_${name}_QUOTA`, {
      default: quota,
      min: 1,
      max: 1_000_000,
      doc: `Requests allowed per window for ${subject}. See [Rate limits](#rate-limits).`,
    }),
    windowSeconds: integer(`RATE_LIMIT_${name}_WINDOW_SECONDS`, {
      default: windowSeconds,
      min: 1,
      max: 86_400,
      doc: `Window of \`RATE_LIMIT_${name}_QUOTA\`, in seconds.`,
    }),
  };
}

const policies = {
  apiKey: policy('API_KEY', 1200, 60, 'all requests of one API key or token'),
  writes: policy('WRITE', 300, 60, 'POST, PUT, PATCH and DELETE of one key, on top'),
  ip: policy('IP', 300, 60, 'unauthenticated requests (public routes) per client address'),
  authFailures: policy(
    'AUTH_FAILURE',
    50,
    300,
    '401s per client address before its authenticated requests get 429',
  ),
};

export const RATE_LIMIT_ON_STORE_ERROR = oneOf('RATE_LIMIT_ON_STORE_ERROR', {
  values: ['open', 'closed'],
  default: 'open',
  doc: 'When Redis cannot answer: `open` serves the request without limits and logs a warning; `closed` answers `503 service_unavailable`.',
});

export const RATE_LIMIT_REDIS_PREFIX = redisName('RATE_LIMIT_REDIS_PREFIX', {
  default: 'steadfast:rl:',
  doc: 'Prefix of every rate-limit key in Redis, so deployments can share one Redis.',
});

export const rateLimitEntries: Entry<unknown>[] = [
  ...Object.values(policies).flatMap((p) => [p.quota, p.windowSeconds]),
  RATE_LIMIT_ON_STORE_ERROR,
  RATE_LIMIT_REDIS_PREFIX,
];

function readPolicy(env: Env, entries: (typeof policies)['ip']): RateLimitPolicyConfig {
  return { quota: entries.quota.read(env), windowSeconds: entries.windowSeconds.read(env) };
}

export function loadRateLimit(env: Env) {
  return {
    apiKey: readPolicy(env, policies.apiKey),
    writes: readPolicy(env, policies.writes),
    ip: readPolicy(env, policies.ip),
    authFailures: readPolicy(env, policies.authFailures),
    onStoreError: RATE_LIMIT_ON_STORE_ERROR.read(env),
    redisPrefix: RATE_LIMIT_REDIS_PREFIX.read(env),
  };
}

export type RateLimitConfig = ReturnType<typeof loadRateLimit>;
