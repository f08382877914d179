import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { decodeJwt, errors, jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ApiError } from '../errors/api-error.js';
import { idPattern } from '../ids/ids.js';
import { createJwksKeySet, type JwksStatus } from './jwks-key-set.js';
import { accountExists } from './tenants.js';
import type { Principal } from './principal.js';
import { parseScopes } from './scopes.js';

export interface JwtVerifierOptions {
  db: Kysely<Database>;
  /** JWKS endpoint of the identity provider (JWT_JWKS_URL). */
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Claim holding the Steadfast account id (`acct_…`). */
  tenantClaim: string;
  /** Claim holding the scopes: a space-separated string or an array. */
  scopeClaim: string;
  clockSkewSeconds: number;
  /** Asymmetric algorithms only: an HS* token signed with a public key must never verify. */
  algorithms: string[];
  /** Minimum time between two JWKS fetches, successful or not (also the unknown-`kid` floor). */
  jwksCooldownMs: number;
  /** Longest backoff between JWKS fetches while the provider fails. */
  jwksMaxBackoffMs: number;
  /** How long the last good key set is used while the provider cannot be reached. */
  jwksMaxStaleSeconds: number;
  /** Largest accepted `exp - iat`; 0 = no limit (and `iat` optional). */
  maxTokenLifetimeSeconds: number;
  /** Observes each JWKS fetch (metrics, logs). */
  onJwksFetch?: (outcome: 'success' | 'failure', error?: unknown) => void;
}

/** Why a token was refused; `unknown_signing_key` does not count toward the 401 lockout. */
export type JwtRefusal = 'invalid_token' | 'unknown_signing_key';

export type JwtVerification = { principal: Principal } | { principal: null; reason: JwtRefusal };

/** Age after which a request revalidates the key set in the background (jose's former default). */
const JWKS_REFRESH_AFTER_MS = 10 * 60_000;
const JWKS_TIMEOUT_MS = 3_000;

const TENANT_ID = new RegExp(idPattern('acct'));

/** Errors that mean "this token is not acceptable" (401), as opposed to "the IdP is down" (503). */
const REJECTIONS = [
  errors.JWTExpired,
  errors.JWTClaimValidationFailed,
  errors.JWTInvalid,
  errors.JWSInvalid,
  errors.JWSSignatureVerificationFailed,
  errors.JOSEAlgNotAllowed,
  errors.JOSENotSupported,
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
];

/**
 * The rate-limit identity of a token: issuer + tenant + subject (issue 20 §6: two tenants' clients
 * may share a `sub`), hashed so that no claim content reaches a store key or a log line unbounded.
 */
function tokenKeyId(issuer: string, tenant: string, subject: string): string {
  const digest = createHash('sha256').update(`${issuer}\n${subject}`).digest('base64url');
  return `jwt:${tenant}:${digest.slice(0, 22)}`;
}

const invalid = { principal: null, reason: 'invalid_token' } as const;

/**
 * OAuth2 / OIDC access tokens: signature checked against the provider's JWKS (jwks-key-set.ts:
 * single-flight fetches, cooldown and backoff, stale-if-error), then issuer, audience, expiry and
 * `iat` with a small clock skew. The tenant and scopes come from configurable claims; a tenant
 * that does not exist here is refused rather than allowed to write rows that point nowhere.
 */
export function createJwtVerifier(options: JwtVerifierOptions) {
  const jwks = createJwksKeySet({
    url: options.jwksUrl,
    cooldownMs: options.jwksCooldownMs,
    maxBackoffMs: options.jwksMaxBackoffMs,
    refreshAfterMs: JWKS_REFRESH_AFTER_MS,
    maxStaleMs: options.jwksMaxStaleSeconds * 1000,
    timeoutMs: JWKS_TIMEOUT_MS,
    onFetch: options.onJwksFetch,
  });
  const knownAccounts = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });
  const requiredClaims = ['exp', 'sub', ...(options.maxTokenLifetimeSeconds > 0 ? ['iat'] : [])];

  /** Claims jose leaves alone: `iat` in the future (RFC 7519 §4.1.6), and the lifetime bound. */
  function timesAcceptable(payload: { iat?: number; exp?: number }): boolean {
    const now = Math.floor(Date.now() / 1000);
    if (payload.iat !== undefined && payload.iat > now + options.clockSkewSeconds) return false;
    if (options.maxTokenLifetimeSeconds > 0) {
      if (payload.iat === undefined || payload.exp === undefined) return false;
      if (payload.exp - payload.iat > options.maxTokenLifetimeSeconds) return false;
    }
    return true;
  }

  /** A token from another issuer never reaches the JWKS: it cannot make us fetch anything. */
  function fromOurIssuer(token: string): boolean {
    try {
      return decodeJwt(token).iss === options.issuer;
    } catch {
      return false;
    }
  }

  return {
    /** The principal of a valid token, or why it was refused; throws 503 if the JWKS is unreachable. */
    async verify(token: string): Promise<JwtVerification> {
      if (!fromOurIssuer(token)) return invalid;
      let payload: Record<string, unknown> & { iat?: number; exp?: number };
      try {
        ({ payload } = await jwtVerify(token, jwks.getKey, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: options.algorithms,
          clockTolerance: options.clockSkewSeconds,
          requiredClaims,
        }));
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey)
          return { principal: null, reason: 'unknown_signing_key' };
        if (REJECTIONS.some((kind) => error instanceof kind)) return invalid;
        // Anything else (JwksUnavailableError included) is the provider's side, not the token's.
        throw new ApiError(
          'service_unavailable',
          'The identity provider could not be reached to verify the token.',
          {
            headers: { 'retry-after': '5' },
          },
        );
      }
      if (!timesAcceptable(payload)) return invalid;
      const tenant = payload[options.tenantClaim];
      if (typeof tenant !== 'string' || !TENANT_ID.test(tenant)) return invalid;
      if (!knownAccounts.has(tenant)) {
        if (!(await accountExists(options.db, tenant))) return invalid;
        knownAccounts.set(tenant, true);
      }
      return {
        principal: {
          kind: 'jwt',
          accountId: tenant,
          keyId: tokenKeyId(options.issuer, tenant, String(payload.sub)),
          mode: 'live',
          scopes: parseScopes(payload[options.scopeClaim]),
        },
      };
    },
    /** The key set's state, for /readyz and the metrics. */
    jwksStatus(): JwksStatus {
      return jwks.status();
    },
  };
}

export type JwtVerifier = ReturnType<typeof createJwtVerifier>;
