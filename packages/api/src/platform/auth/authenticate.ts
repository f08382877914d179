import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { ApiError } from '../errors/api-error.js';
import { verifyApiKey, type Principal } from './tenants.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; set by the authenticate hook before validation runs. */
    auth?: Principal;
  }
}

export interface AuthOptions {
  db: Kysely<Database>;
}

const CHALLENGE = 'Bearer realm="steadfast"';

function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Returns the principal of an authenticated request; routes call it instead of reading `auth`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.auth) throw new Error('principalOf called on a route without authentication');
  return request.auth;
}

/**
 * Adds API-key authentication to every route of `app`'s (encapsulated) context: app.ts registers
 * the resource modules only inside that context, so a new module is protected without opting in.
 * Runs in onRequest, so strangers never get their bodies parsed.
 */
export function requireApiKey(app: FastifyInstance, options: AuthOptions): void {
  app.decorateRequest('auth', undefined);
  app.addHook('onRequest', async (request) => {
    const token = bearerToken(request);
    if (!token) {
      throw new ApiError('unauthenticated', 'Send an API key as "Authorization: Bearer sk_…".', {
        headers: { 'www-authenticate': CHALLENGE },
      });
    }
    const principal = await verifyApiKey(options.db, token);
    if (!principal) {
      request.log.info({ event: 'auth.failed', reason: 'invalid_key' }, 'authentication failed');
      throw new ApiError('unauthenticated', 'The API key is invalid, revoked or expired.', {
        headers: { 'www-authenticate': `${CHALLENGE}, error="invalid_token"` },
      });
    }
    request.auth = principal;
  });
}
