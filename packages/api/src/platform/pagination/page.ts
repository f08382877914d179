import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { encodeCursor } from './cursor.js';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;

/** Query parameters every list accepts. */
export const PageQuery = {
  limit: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_LIMIT,
      default: DEFAULT_LIMIT,
      description: `Page size, 1–${MAX_LIMIT}.`,
    }),
  ),
  starting_after: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      description: 'Opaque cursor: the `next_cursor` of the previous page.',
    }),
  ),
};

/** The list envelope: `{ object: "list", data, has_more, next_cursor }`. */
export function ListEnvelope<T extends TSchema>(item: T) {
  return Type.Object(
    {
      object: Type.Literal('list'),
      data: Type.Array(item),
      has_more: Type.Boolean(),
      next_cursor: Type.Union([Type.String(), Type.Null()]),
    },
    { additionalProperties: false },
  );
}

/** Repositories fetch `limit + 1` rows; the extra row only tells whether another page exists. */
export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

export function pageFrom<T>(rows: T[], limit: number): Page<T> {
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}

/**
 * Builds the envelope and, when there is a next page, the RFC 8288 `Link: <…>; rel="next"` header
 * with the same filters, so a client can walk the list without assembling URLs.
 */
export function sendPage<T extends { id: string }, R>(
  request: FastifyRequest,
  reply: FastifyReply,
  publicBaseUrl: string,
  page: Page<T>,
  present: (item: T) => R,
) {
  const last = page.items.at(-1);
  const nextCursor = page.hasMore && last ? encodeCursor(last.id) : null;
  if (nextCursor) {
    const url = new URL(request.url, publicBaseUrl + '/');
    const next = new URL(publicBaseUrl + url.pathname);
    for (const [name, value] of url.searchParams)
      if (name !== 'starting_after') next.searchParams.append(name, value);
    next.searchParams.set('starting_after', nextCursor);
    reply.header('link', `<${next.toString()}>; rel="next"`);
  }
  return {
    object: 'list' as const,
    data: page.items.map(present),
    has_more: page.hasMore,
    next_cursor: nextCursor,
  };
}
