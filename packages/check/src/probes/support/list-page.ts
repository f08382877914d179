import type { Reply } from '../../http/client.js';
import { linkWithRel } from '../../http/headers.js';
import { isObject } from '../../openapi/json.js';

/** One page of a list response as the probes read it. */
export interface Page {
  /** The items, or undefined when no array could be found. */
  items: unknown[] | undefined;
  /** Id of each item (its `id`, or its JSON when it has none). */
  ids: string[];
  /** The next page's URL, from `Link: rel="next"` or a `next` URL in the body. */
  next: URL | undefined;
  /** An opaque cursor for the next page, when the body carries one. */
  nextCursor: string | undefined;
  /** The body's own "more pages" flag, when it has one. */
  hasMore: boolean | undefined;
}

const ITEM_KEYS = ['data', 'items', 'results', 'records', 'entries', 'content', 'value', 'rows'];
const CURSOR_KEYS = ['next_cursor', 'nextCursor', 'next_page_token', 'nextPageToken', 'cursor'];
const NEXT_URL_KEYS = ['next', 'next_url', 'next_page_url', 'nextLink', '@odata.nextLink'];
const MORE_KEYS = ['has_more', 'hasMore', 'has_next', 'hasNext', 'more'];

function findIn(body: Record<string, unknown>, keys: string[]): unknown {
  const holders = [body, body.meta, body.pagination, body.page, body.links, body._links];
  for (const holder of holders) {
    if (!isObject(holder)) continue;
    for (const key of keys) {
      const value = holder[key];
      if (value !== undefined && value !== null) return value;
    }
  }
  return undefined;
}

/** The id of a list item, for duplicate detection. */
export function itemId(item: unknown): string {
  // A collection of names (`{"repositories": ["a", "b"]}`): each string is its own key.
  if (typeof item === 'string' || typeof item === 'number') return String(item);
  if (isObject(item)) {
    for (const key of ['id', 'uuid', '_id', 'key', 'name', 'slug']) {
      const value = item[key];
      if (typeof value === 'string' || typeof value === 'number') return String(value);
    }
  }
  return JSON.stringify(item);
}

/** Reads items and the way to the next page from a list response. */
export function readPage(reply: Reply, base: URL): Page {
  const body = reply.json;
  let items: unknown[] | undefined;
  if (Array.isArray(body)) items = body;
  else if (isObject(body)) {
    const key =
      ITEM_KEYS.find((candidate) => Array.isArray(body[candidate])) ??
      Object.keys(body).find((candidate) => Array.isArray(body[candidate]));
    items = key ? (body[key] as unknown[]) : undefined;
  }
  let next = linkWithRel(reply.header('link'), 'next', base);
  let nextCursor: string | undefined;
  let hasMore: boolean | undefined;
  if (isObject(body)) {
    const nextValue = findIn(body, NEXT_URL_KEYS);
    const href = isObject(nextValue) ? nextValue.href : nextValue;
    if (!next && typeof href === 'string' && /^(https?:\/\/|\/)/.test(href)) {
      try {
        next = new URL(href, base);
      } catch {
        next = undefined;
      }
    }
    const cursor = findIn(body, CURSOR_KEYS);
    if (typeof cursor === 'string' && cursor.length > 0) nextCursor = cursor;
    const more = findIn(body, MORE_KEYS);
    if (typeof more === 'boolean') hasMore = more;
  }
  return { items, ids: (items ?? []).map(itemId), next, nextCursor, hasMore };
}

/** Whether the page offers any way to a next page. */
export function hasContinuation(page: Page): boolean {
  return page.next !== undefined || page.nextCursor !== undefined || page.hasMore === true;
}
