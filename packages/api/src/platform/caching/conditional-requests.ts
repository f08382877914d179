import { hash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Type } from 'typebox';
import { validationFailed } from '../errors/api-error.js';
import { parseConditionalHeader } from './entity-tags.js';

const opaque = (tag: string) => (tag.startsWith('W/') ? tag.slice(2) : tag);

/**
 * Whether If-None-Match lets a full response through (weak comparison, RFC 9110 §13.1.2): true
 * when absent or malformed (a malformed conditional is ignored, so the client gets the full 200),
 * false for `*` or a listed tag matching `etag`.
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return true;
  const parsed = parseConditionalHeader(header);
  if (parsed.kind === 'malformed') return true;
  if (parsed.kind === 'any') return false;
  return !parsed.tags.some((tag) => tag.opaque === opaque(etag));
}

/** The strong ETag of a versioned resource; the version is what If-Match is checked against. */
export function versionEtag(version: number): string {
  return `"v${version}"`;
}

/** A resource as clients see it: the version travels in the ETag, not in the body. */
export function withoutVersion<T extends { version: number }>({
  version: _version,
  ...rest
}: T): Omit<T, 'version'> {
  return rest;
}

/** Versions a change may apply to: undefined for unconditional, 'any' for `If-Match: *`. */
export type VersionPrecondition = number[] | 'any' | undefined;

/** The If-Match request header, as every conditional write route declares it. */
export const IfMatchHeader = Type.Object({
  'if-match': Type.Optional(
    Type.String({
      maxLength: 512,
      description:
        'ETag from a previous read, `*`, or a comma-separated list of ETags (RFC 9110 §13.1.1); 412 if none is current. A value that is not in that grammar is refused with 400.',
    }),
  ),
});

/**
 * The versions an If-Match header accepts: undefined when absent (no precondition), 'any' for
 * `*`, otherwise the listed strong tags of ours (weak tags never match, RFC 9110 §13.1.1).
 * A malformed value is refused (400), never read as a match or as no precondition.
 */
export function acceptedVersions(header: string | undefined): VersionPrecondition {
  if (header === undefined) return undefined;
  const parsed = parseConditionalHeader(header);
  if (parsed.kind === 'malformed') {
    throw validationFailed({
      in: 'header',
      pointer: '/if-match',
      detail: `must be "*" or a comma-separated list of entity tags ("…" or W/"…"): ${parsed.reason}`,
    });
  }
  if (parsed.kind === 'any') return 'any';
  return parsed.tags.flatMap((tag) => {
    const match = tag.weak ? null : /^"v(\d{1,9})"$/.exec(tag.opaque);
    return match ? [Number(match[1])] : [];
  });
}

/**
 * ETag on every successful GET (a content hash unless the route set a version tag) and 304 when
 * If-None-Match matches, so clients and caches revalidate lists and resources for free.
 */
async function conditionalRequestsPlugin(app: FastifyInstance) {
  // A callback hook: every GET walks it, and a promise each is measurable (issue 19).
  app.addHook('onSend', (request, reply, payload, done) => {
    if ((request.method !== 'GET' && request.method !== 'HEAD') || reply.statusCode !== 200)
      return done();
    let etag = reply.getHeader('etag') as string | undefined;
    if (!etag) {
      if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return done();
      etag = `"${hash('sha256', payload, 'base64url').slice(0, 27)}"`;
      reply.header('etag', etag);
    }
    if (!noneMatch(request.headers['if-none-match'], etag)) {
      reply.code(304);
      reply.removeHeader('content-type');
      reply.removeHeader('content-length');
      // A null payload makes Fastify send no Content-Length, as RFC 9110 §8.6 wants for a 304.
      return done(null, null);
    }
    done();
  });
}

export const conditionalRequests = fp(conditionalRequestsPlugin, {
  name: 'steadfast-conditional-requests',
});
