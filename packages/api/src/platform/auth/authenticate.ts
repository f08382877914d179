import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/api-error.js';
import type { ProblemCode } from '../errors/catalogue.js';
import { declareProblemResponses } from '../errors/problem-schema.js';
import type { JwtVerifier } from './jwt-verifier.js';
import type { AccountStatuses } from './account-status.js';
import type { KeyVerifier } from './key-verifier.js';
import type { Principal } from './principal.js';
import type { Scope } from './scopes.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set by the authentication hook before validation runs. */
    auth?: Principal;
    /**
     * Set when a 401 must not count toward the per-address 401 lockout: a well-formed token
     * signed with a key the provider has not published yet (a rotation in progress).
     */
    authFailureUncounted?: boolean;
  }
  interface FastifyContextConfig {
    /** The one scope an authenticated route requires; mandatory in the authenticated context. */
    scope?: Scope;
  }
}

export interface AuthOptions {
  keys: KeyVerifier;
  /** Tenant statuses: suspended tenants get 403 account_suspended, deleted ones 401. */
  accounts: AccountStatuses;
  /** Present when JWT_JWKS_URL is configured. */
  jwt?: JwtVerifier;
}

const CHALLENGE = 'Bearer realm="steadfast"';
const API_KEY = /^sk_(live|test)_/;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  return /^Bearer[ ]+(\S+)\s*$/i.exec(header)?.[1];
}

/** Returns the principal of an authenticated request; routes call it instead of reading `auth`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.auth) throw new Error('principalOf called on a route without authentication');
  return request.auth;
}

/** What authentication can refuse on any route of its context (documented on each). */
const AUTHENTICATION_PROBLEMS = [
  'unauthenticated',
  'insufficient_scope',
  'account_suspended',
] as const satisfies readonly ProblemCode[];

/**
 * Authentication and scope checks for every route of `app`'s (encapsulated) context: app.ts
 * registers the resource modules only inside it, so a new module is protected without opting in.
 * A route there must declare `config.scope`, which also becomes its OpenAPI security requirement.
 * Runs in onRequest, so strangers never get their bodies parsed.
 */
export function requireAuthentication(app: FastifyInstance, options: AuthOptions): void {
  app.decorateRequest('auth', undefined);
  app.decorateRequest('authFailureUncounted', false);

  app.addHook('onRoute', (route) => {
    // Also documents the problems above on the route (platform/errors/declared-problems.ts).
    const scope = route.config?.scope;
    if (!scope)
      throw new Error(
        `${String(route.method)} ${route.url} is authenticated but declares no config.scope`,
      );
    const note = `Requires scope \`${scope}\`.`;
    const response = route.schema?.response as Record<string, unknown> | undefined;
    route.schema = {
      ...route.schema,
      ...(response && {
        response: declareProblemResponses(response, route.url, ...AUTHENTICATION_PROBLEMS),
      }),
      security: [{ apiKey: [scope] }, { accessToken: [scope] }],
      description: route.schema?.description ? `${route.schema.description}\n\n${note}` : note,
    };
  });

  app.addHook('onRequest', async (request) => {
    const token = bearerToken(request);
    if (!token) {
      request.server.metrics.authFailures.inc({ reason: 'missing_credentials' });
      request.log.info(
        { event: 'auth.failed', reason: 'missing_credentials' },
        'authentication failed',
      );
      throw new ApiError(
        'unauthenticated',
        'Send an API key or access token as "Authorization: Bearer …".',
        {
          headers: { 'www-authenticate': CHALLENGE },
        },
      );
    }
    let principal: Principal | null = null;
    let reason = 'invalid_credentials';
    if (API_KEY.test(token)) principal = await options.keys.verify(token);
    else if (options.jwt && JWT_SHAPE.test(token)) {
      const verified = await options.jwt.verify(token);
      principal = verified.principal;
      if (!verified.principal && verified.reason === 'unknown_signing_key') {
        reason = 'unknown_signing_key';
        request.authFailureUncounted = true;
      }
    }
    const status = principal ? await options.accounts.statusOf(principal.accountId) : undefined;
    if (principal && status === 'suspended') {
      request.server.metrics.authFailures.inc({ reason: 'account_suspended' });
      request.log.info(
        { event: 'auth.forbidden', reason: 'account_suspended', tenant: principal.accountId },
        'account suspended',
      );
      throw new ApiError(
        'account_suspended',
        'This account is suspended; its API keys and tokens are refused until it is resumed.',
      );
    }
    // A deleted (or vanished) tenant's credentials are as good as revoked.
    if (!principal || status !== 'active') {
      request.server.metrics.authFailures.inc({ reason });
      request.log.info({ event: 'auth.failed', reason }, 'authentication failed');
      throw new ApiError(
        'unauthenticated',
        'The API key or access token is invalid, revoked or expired.',
        {
          headers: { 'www-authenticate': `${CHALLENGE}, error="invalid_token"` },
        },
      );
    }
    request.auth = principal;
    const scope = request.routeOptions.config.scope;
    if (scope && !principal.scopes.includes(scope)) {
      request.server.metrics.authFailures.inc({ reason: 'insufficient_scope' });
      request.log.info(
        { event: 'auth.forbidden', scope, tenant: principal.accountId },
        'missing scope',
      );
      throw new ApiError('insufficient_scope', `This operation requires the scope '${scope}'.`, {
        headers: {
          'www-authenticate': `${CHALLENGE}, error="insufficient_scope", scope="${scope}"`,
        },
      });
    }
  });
}
