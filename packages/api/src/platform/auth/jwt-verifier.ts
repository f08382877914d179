import { LRUCache } from 'lru-cache';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ApiError } from '../errors/api-error.js';
import { idPattern } from '../ids/ids.js';
import { accountExists } from './key-store.js';
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
  /** Minimum time between two JWKS refetches triggered by unknown `kid`s. */
  jwksCooldownMs: number;
}

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
 * OAuth2 / OIDC access tokens: signature checked against the provider's JWKS (jose caches it and
 * refetches on an unknown `kid`, at most once per cooldown), then issuer, audience and expiry with
 * a small clock skew. The tenant and scopes come from configurable claims; a tenant that does not
 * exist here is refused rather than allowed to write rows that point nowhere.
 */
export function createJwtVerifier(options: JwtVerifierOptions) {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: options.jwksCooldownMs,
    cacheMaxAge: 10 * 60_000,
    timeoutDuration: 3_000,
  });
  const knownAccounts = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });

  return {
    /** The principal of a valid token, null for an invalid one; throws 503 if the JWKS is unreachable. */
    async verify(token: string): Promise<Principal | null> {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, jwks, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: options.algorithms,
          clockTolerance: options.clockSkewSeconds,
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        if (REJECTIONS.some((kind) => error instanceof kind)) return null;
        throw new ApiError(
          'service_unavailable',
          'The identity provider could not be reached to verify the token.',
          {
            headers: { 'retry-after': '5' },
          },
        );
      }
      const tenant = payload[options.tenantClaim];
      if (typeof tenant !== 'string' || !TENANT_ID.test(tenant)) return null;
      if (!knownAccounts.has(tenant)) {
        if (!(await accountExists(options.db, tenant))) return null;
        knownAccounts.set(tenant, true);
      }
      return {
        kind: 'jwt',
        accountId: tenant,
        keyId: `jwt:${String(payload.sub)}`,
        mode: 'live',
        scopes: parseScopes(payload[options.scopeClaim]),
      };
    },
  };
}

export type JwtVerifier = ReturnType<typeof createJwtVerifier>;
