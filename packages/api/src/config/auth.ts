/** Who may call: API key caching, OAuth2/OIDC access tokens, the operator credential. */
import { ConfigError, integer, parseHttpUrl, secret, text, type Env } from './entry.js';

export const API_KEY_CACHE_TTL_MS = integer('API_KEY_CACHE_TTL_MS', {
  default: 30_000,
  min: 0,
  max: 3_600_000,
  doc: 'How long a cached API key row is trusted (`0` turns the cache off, as for `RESOURCE_CACHE_TTL_MS`); bounds how late another instance sees a revocation.',
});

export const API_KEY_CACHE_MAX = integer('API_KEY_CACHE_MAX', {
  default: 10_000,
  min: 1,
  max: 1_000_000,
  doc: 'Most API key rows cached per process; also the most unknown key prefixes remembered.',
});

export const API_KEY_NEGATIVE_CACHE_TTL_MS = integer('API_KEY_NEGATIVE_CACHE_TTL_MS', {
  default: 5_000,
  min: 0,
  max: 600_000,
  doc: 'How long a key prefix that matches no key is remembered as unknown (`0` turns it off), so unknown prefixes cost no query and answer like a wrong secret. Creating a key drops its prefix at once on every instance.',
});

export const API_KEY_LAST_USED_FLUSH_MS = integer('API_KEY_LAST_USED_FLUSH_MS', {
  default: 60_000,
  min: 100,
  max: 3_600_000,
  doc: 'Interval at which buffered `last_used_at` times are written, in one batch.',
});

export const OPERATOR_TOKEN = secret('OPERATOR_TOKEN', {
  doc: 'Enables the operator API (`/operator/tenants/{id}/suspend|resume|delete`) with this bearer credential. Unset: the operator routes do not exist; `npm run tenants` works either way. See [docs/operations.md](docs/operations.md#tenant-lifecycle).',
});

export const JWT_JWKS_URL = text('JWT_JWKS_URL', {
  type: 'absolute http(s) URL',
  parse: (raw) => {
    parseHttpUrl('JWT_JWKS_URL', raw);
    return raw;
  },
  doc: 'JWKS endpoint of your identity provider; setting it turns on JWT access tokens.',
});

export const JWT_ISSUER = text('JWT_ISSUER', {
  defaultText: '— (required with `JWT_JWKS_URL`)',
  doc: 'Required `iss`.',
});

export const JWT_AUDIENCE = text('JWT_AUDIENCE', {
  defaultText: '— (required with `JWT_JWKS_URL`)',
  doc: 'Required `aud`.',
});

export const JWT_TENANT_CLAIM = text('JWT_TENANT_CLAIM', {
  default: 'tenant_id',
  doc: 'Claim holding the account id (`acct_…`).',
});

export const JWT_SCOPE_CLAIM = text('JWT_SCOPE_CLAIM', {
  default: 'scope',
  doc: 'Claim holding the scopes (space-separated string or array).',
});

export const JWT_CLOCK_SKEW_SECONDS = integer('JWT_CLOCK_SKEW_SECONDS', {
  default: 30,
  min: 0,
  max: 300,
  doc: 'Tolerance for `exp`/`nbf`/`iat`.',
});

const ASYMMETRIC = /^(RS|PS|ES)(256|384|512)$|^EdDSA$|^ES256K$/;

export const JWT_ALGORITHMS = text<string[]>('JWT_ALGORITHMS', {
  type: 'comma-separated JWS algorithms',
  default: ['RS256', 'PS256', 'ES256', 'EdDSA'],
  defaultText: '`RS256,PS256,ES256,EdDSA`',
  parse: (raw) => {
    const algorithms = raw.split(',').map((a) => a.trim());
    const symmetric = algorithms.find((a) => !ASYMMETRIC.test(a));
    if (symmetric !== undefined) {
      // HS*/none would let anyone holding the public key (or no key) mint tokens.
      throw new ConfigError(
        'JWT_ALGORITHMS',
        `must list asymmetric algorithms only, got "${symmetric}"`,
      );
    }
    return algorithms;
  },
  doc: 'Accepted signature algorithms; asymmetric only.',
});

export const JWT_JWKS_COOLDOWN_MS = integer('JWT_JWKS_COOLDOWN_MS', {
  default: 5_000,
  min: 0,
  max: 3_600_000,
  doc: 'Minimum time between two JWKS fetches, successful or not. A token naming an unknown `kid` refetches at once when the last fetch is older than this.',
});

export const JWT_JWKS_MAX_BACKOFF_MS = integer('JWT_JWKS_MAX_BACKOFF_MS', {
  default: 60_000,
  min: 100,
  max: 3_600_000,
  doc: 'Longest wait between JWKS fetches while the identity provider keeps failing (the wait doubles from `JWT_JWKS_COOLDOWN_MS` after each failure).',
});

export const JWT_JWKS_MAX_STALE_SECONDS = integer('JWT_JWKS_MAX_STALE_SECONDS', {
  default: 86_400,
  min: 600,
  max: 30 * 86_400,
  doc: 'How long the last good JWKS keeps verifying tokens while the identity provider is down (stale-if-error). Past it, JWT requests get `503`.',
});

export const JWT_MAX_TOKEN_LIFETIME_SECONDS = integer('JWT_MAX_TOKEN_LIFETIME_SECONDS', {
  default: 0,
  defaultText: '`0` (off)',
  min: 0,
  max: 30 * 86_400,
  doc: 'Largest accepted `exp − iat`; when set, tokens without `iat` are refused too.',
});

export const authEntries = [
  API_KEY_CACHE_TTL_MS,
  API_KEY_CACHE_MAX,
  API_KEY_NEGATIVE_CACHE_TTL_MS,
  API_KEY_LAST_USED_FLUSH_MS,
  OPERATOR_TOKEN,
  JWT_JWKS_URL,
  JWT_ISSUER,
  JWT_AUDIENCE,
  JWT_TENANT_CLAIM,
  JWT_SCOPE_CLAIM,
  JWT_CLOCK_SKEW_SECONDS,
  JWT_ALGORITHMS,
  JWT_JWKS_COOLDOWN_MS,
  JWT_JWKS_MAX_BACKOFF_MS,
  JWT_JWKS_MAX_STALE_SECONDS,
  JWT_MAX_TOKEN_LIFETIME_SECONDS,
];

function loadJwt(env: Env) {
  const jwksUrl = JWT_JWKS_URL.read(env);
  if (jwksUrl === undefined) return undefined;
  const required = (entry: typeof JWT_ISSUER) => {
    const value = entry.read(env);
    if (value === undefined) {
      throw new ConfigError(entry.name, 'is required when JWT_JWKS_URL is set');
    }
    return value;
  };
  return {
    jwksUrl,
    issuer: required(JWT_ISSUER),
    audience: required(JWT_AUDIENCE),
    tenantClaim: JWT_TENANT_CLAIM.read(env),
    scopeClaim: JWT_SCOPE_CLAIM.read(env),
    clockSkewSeconds: JWT_CLOCK_SKEW_SECONDS.read(env),
    algorithms: JWT_ALGORITHMS.read(env),
    jwksCooldownMs: JWT_JWKS_COOLDOWN_MS.read(env),
    jwksMaxBackoffMs: JWT_JWKS_MAX_BACKOFF_MS.read(env),
    jwksMaxStaleSeconds: JWT_JWKS_MAX_STALE_SECONDS.read(env),
    maxTokenLifetimeSeconds: JWT_MAX_TOKEN_LIFETIME_SECONDS.read(env),
  };
}

/** OAuth2/OIDC access tokens; undefined unless JWT_JWKS_URL is set. */
export type JwtConfig = NonNullable<ReturnType<typeof loadJwt>>;

export function loadAuth(env: Env) {
  return {
    apiKeys: {
      cacheTtlMs: API_KEY_CACHE_TTL_MS.read(env),
      cacheMax: API_KEY_CACHE_MAX.read(env),
      negativeCacheTtlMs: API_KEY_NEGATIVE_CACHE_TTL_MS.read(env),
      lastUsedFlushMs: API_KEY_LAST_USED_FLUSH_MS.read(env),
    },
    jwt: loadJwt(env),
    operatorToken: OPERATOR_TOKEN.read(env),
  };
}
