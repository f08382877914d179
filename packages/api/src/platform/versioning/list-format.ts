import type { FastifyRequest } from 'fastify';
import { Type, type TObject, type TProperties, type TSchema } from 'typebox';
import { decodeCursor } from '../pagination/cursors.js';
import {
  CURSOR_PATTERN,
  FLAT_PAGE_FORMAT,
  ListEnvelope,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  NextCursor,
  PageQuery,
  type PageFormat,
} from '../pagination/page.js';
import { includesChange, type ApiVersion } from './api-version.js';

/** How lists look in one API version: query parameters, envelope schema and envelope. */
export interface ListFormat extends PageFormat {
  /**
   * The query schema of a list: the page parameters of this version plus the route's filters.
   * Typed with `limit` only: the cursor parameter's name differs between versions, so handlers
   * read it through cursorOf().
   */
  query<T extends TProperties>(filters: T): TObject<T & { limit: typeof PageQuery.limit }>;
  /** The envelope schema of this version around `item`. */
  schema(item: TSchema): TSchema;
  /** The cursor the client sent, if any. */
  cursorOf(query: unknown): string | undefined;
  /**
   * The page a list request asks for: its limit, and the id its cursor points after (verified:
   * invalid_cursor otherwise). `idPattern` is the pattern of the listed resource's ids.
   */
  pageOf(request: FastifyRequest, idPattern: string): { limit: number; afterId?: string };
}

function format(
  cursorParameter: string,
  cursorSchema: TSchema,
  schema: (item: TSchema) => TSchema,
  envelope: PageFormat['envelope'],
): ListFormat {
  const cursorOf = (query: unknown) => {
    const value = (query as Record<string, unknown>)[cursorParameter];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    cursorParameter,
    envelope,
    schema,
    // The cursor parameter's computed key widens to an index signature, which TObject accepts.
    query: (filters) =>
      Type.Object(
        { limit: PageQuery.limit, [cursorParameter]: cursorSchema, ...filters },
        { additionalProperties: false },
      ),
    cursorOf,
    pageOf: (request, idPattern) => {
      const cursor = cursorOf(request.query);
      const { limit = DEFAULT_LIMIT } = request.query as { limit?: number };
      return cursor === undefined
        ? { limit }
        : { limit, afterId: decodeCursor(request, cursor, idPattern, cursorParameter) };
    },
  };
}

/** v1: `?starting_after=` and `{ object, data, has_more, next_cursor }`. */
const FLAT = format(
  'starting_after',
  PageQuery.starting_after,
  ListEnvelope,
  FLAT_PAGE_FORMAT.envelope,
);

/**
 * v2: the cursor parameter is `cursor` (it is an opaque cursor, not the id `starting_after`
 * suggests), and paging state moves under `pagination`, so the envelope can grow (a previous
 * cursor, a total) without new top-level names beside `data`.
 */
const NESTED = format(
  'cursor',
  Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 128,
      pattern: CURSOR_PATTERN,
      description: 'Opaque cursor: `pagination.next_cursor` of the previous page.',
    }),
  ),
  (item) =>
    Type.Object(
      {
        object: Type.Literal('list'),
        data: Type.Array(item, { maxItems: MAX_LIMIT }),
        pagination: Type.Object(
          {
            has_more: Type.Boolean({ description: 'Whether another page follows.' }),
            next_cursor: NextCursor,
          },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  (data, hasMore, nextCursor) => ({
    object: 'list' as const,
    data,
    pagination: { has_more: hasMore, next_cursor: nextCursor },
  }),
);

/** The list changes, for the changelog. */
export const LIST_CHANGES = [
  {
    since: 'v2' as ApiVersion,
    description:
      'Lists: the cursor query parameter `starting_after` is renamed `cursor`, and `has_more` and `next_cursor` move into a `pagination` object.',
  },
];

/** The list format of `version`. */
export function listFormat(version: ApiVersion): ListFormat {
  return includesChange(version, 'v2') ? NESTED : FLAT;
}
