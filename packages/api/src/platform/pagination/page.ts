import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { encodeCursor } from './cursors.js';
import { nextPageUrl } from './next-link.js';

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

/** Cursors are base64url. */
export const CURSOR_PATTERN = '^[A-Za-z0-9_-]+$';

/** The cursor of the next page, null on the last one. Cursors are opaque and short (< 100 chars). */
export const NextCursor = Type.Union(
  [Type.String({ maxLength: 128, pattern: CURSOR_PATTERN }), Type.Null()],
  {
    description: 'Pass it as the cursor parameter to get the next page; null on the last page.',
  },
);

/** The list envelope: `{ object: "list", data, has_more, next_cursor }`. */
export function ListEnvelope<T extends TSchema>(item: T) {
  return Type.Object(
    {
      object: Type.Literal('list'),
      data: Type.Array(item, { maxItems: MAX_LIMIT }),
      has_more: Type.Boolean(),
      next_cursor: NextCursor,
    },
    { additionalProperties: false },
  );
}

/** One page of a list (read by `keysetPage`); the next cursor is the last item's id. */
export interface Page<T> {
  items: T[];
  hasMore: boolean;
}

/** The same page with each item mapped (a row to its public view). */
export function mapPage<T, R>(page: Page<T>, map: (item: T) => R): Page<R> {
  return { items: page.items.map(map), hasMore: page.hasMore };
}

/** How a list travels: the query parameter that carries the cursor, and the envelope. */
export interface PageFormat {
  cursorParameter: string;
  envelope: (data: unknown[], hasMore: boolean, nextCursor: string | null) => unknown;
}

/** `?starting_after=` and `{ object: "list", data, has_more, next_cursor }`. */
export const FLAT_PAGE_FORMAT: PageFormat = {
  cursorParameter: 'starting_after',
  envelope: (data, hasMore, nextCursor) => ({
    object: 'list' as const,
    data,
    has_more: hasMore,
    next_cursor: nextCursor,
  }),
};

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
  format: PageFormat = FLAT_PAGE_FORMAT,
) {
  const last = page.items.at(-1);
  const nextCursor = page.hasMore && last ? encodeCursor(request, last.id) : null;
  if (nextCursor) {
    const next = nextPageUrl(request.url, publicBaseUrl, format.cursorParameter, nextCursor);
    reply.header('link', `<${next}>; rel="next"`);
  }
  return format.envelope(page.items.map(present), page.hasMore, nextCursor);
}
