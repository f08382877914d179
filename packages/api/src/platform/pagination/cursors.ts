import type { FastifyRequest } from 'fastify';
import { principalOf } from '../auth/authenticate.js';
import { ApiError } from '../errors/api-error.js';
import type { CursorCodec } from './cursor.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Signs and verifies pagination cursors (CURSOR_SECRET). */
    cursors: CursorCodec;
  }
}

/**
 * What a cursor is bound to: the tenant, and the list as its path without the version prefix,
 * so `/v1/users` and `/v2/users` share cursors but a payment's refunds do not share them with
 * another payment's.
 */
function scopeOf(request: FastifyRequest): string {
  const path = request.url.split('?', 1)[0]!.replace(/^\/v\d+(?=\/)/, '');
  return `${principalOf(request).accountId}\n${path}`;
}

/** The cursor of the next page of the list `request` reads. */
export function encodeCursor(request: FastifyRequest, lastId: string): string {
  return request.server.cursors.encode(scopeOf(request), lastId);
}

const patterns = new Map<string, RegExp>();

/** One RegExp per id pattern for the process, not one per paginated request. */
function compiled(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (!regex) patterns.set(pattern, (regex = new RegExp(pattern)));
  return regex;
}

/**
 * Returns the id a cursor points after, or throws invalid_cursor when it is not one this API
 * minted for this tenant and list. `parameter` is the query parameter it came in, named in the error.
 */
export function decodeCursor(
  request: FastifyRequest,
  cursor: string,
  idPattern: string,
  parameter = 'starting_after',
): string {
  const id = request.server.cursors.decode(scopeOf(request), cursor, compiled(idPattern));
  if (id === undefined) {
    // "The starting_after cursor …" (v1's words, kept), "The cursor …" where the parameter says it.
    const subject = parameter === 'cursor' ? 'cursor' : `${parameter} cursor`;
    throw new ApiError('invalid_cursor', `The ${subject} is not valid for this list.`);
  }
  return id;
}
