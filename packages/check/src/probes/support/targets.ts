import type { Reply } from '../../http/client.js';
import type { Operation } from '../../openapi/document.js';
import { isPublic } from '../../openapi/document.js';
import { itemUrl, type Resource } from '../../target/catalog.js';
import type { ProbeContext } from '../context.js';
import { na, type Outcome } from '../outcome.js';
import { readPage } from './list-page.js';

/** Said by probes that need to know at least one collection of the API. */
export const NO_RESOURCE =
  'no collection of the API is known: give --openapi (or let it be discovered) or --resource <path>';

/** The path read-only probes send GETs to: the main collection, or the base URL itself. */
export function readPath(ctx: ProbeContext): { path: string; resource: Resource | undefined } {
  const resource = ctx.catalog.primary();
  return { path: resource?.listPath ?? '/', resource };
}

/** Collections that require credentials per the document (any, when undocumented), best first. */
export function protectedResources(ctx: ProbeContext): Resource[] {
  return ctx.catalog
    .ranked()
    .filter((resource) => !resource.deprecated && (!resource.list || !isPublic(resource.list)));
}

/** The best collection that requires credentials. */
export function protectedResource(ctx: ProbeContext): Resource | undefined {
  return protectedResources(ctx)[0];
}

/** The /vN prefix of a path, if it has one. */
export function versionPrefix(path: string): string | undefined {
  return /^(.*?\/v\d+(?:\.\d+)?)(?:\/|$)/i.exec(path)?.[1];
}

/** Query parameter names of an operation, by location. */
export function queryParams(operation: Operation | undefined): string[] {
  return operation?.parameters.filter((p) => p.in === 'query').map((p) => p.name) ?? [];
}

const PAGE_SIZE_NAMES = [
  'limit',
  '_limit',
  '_per_page',
  'n',
  'page[size]',
  'page_size',
  'pageSize',
  'per_page',
  'perPage',
  'size',
  'max_results',
  'maxResults',
  'top',
  '$top',
  'count',
];
const CURSOR_NAMES = [
  'starting_after',
  'cursor',
  'after',
  'page_token',
  'pageToken',
  'next_token',
  'nextToken',
  'continuation',
  'token',
];

/** The page-size parameter of a list: documented, else `limit`. */
export function pageSizeParam(resource: Resource): {
  name: string;
  documented: boolean;
  maximum: number | undefined;
  /** Other query parameters a first page needs (a discovered page number, `_page=1`). */
  extra: Record<string, string>;
} {
  const params = resource.list?.parameters.filter((p) => p.in === 'query') ?? [];
  const param = PAGE_SIZE_NAMES.map((name) => params.find((p) => p.name === name)).find(Boolean);
  const maximum = typeof param?.schema?.maximum === 'number' ? param.schema.maximum : undefined;
  return {
    name: param?.name ?? resource.pageParam?.name ?? 'limit',
    documented: param !== undefined,
    maximum,
    extra: param ? {} : (resource.pageParam?.extra ?? {}),
  };
}

/** The cursor parameter of a list: documented, else `cursor`. */
export function cursorParam(resource: Resource): string {
  const names = queryParams(resource.list);
  return CURSOR_NAMES.find((name) => names.includes(name)) ?? 'cursor';
}

/** `path` with query parameters set. */
export function withQuery(path: string, query: Record<string, string>): string {
  const url = new URL(path, 'http://placeholder.invalid');
  for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
  return `${url.pathname}${url.search}`;
}

/**
 * Makes sure `resource` holds at least `count` records visible to credential A, creating the
 * missing ones when writes are allowed. Returns how many the first page showed.
 */
export async function ensureRecords(
  ctx: ProbeContext,
  resource: Resource,
  count: number,
): Promise<{ visible: number; first: Reply }> {
  const first = await ctx.http.send({ path: resource.listPath });
  const visible = readPage(first, ctx.http.resolve(resource.listPath)).items?.length ?? 0;
  if (visible >= count || !ctx.settings.writesAllowed || first.status !== 200) {
    return { visible, first };
  }
  if (!ctx.catalog.writable().includes(resource)) return { visible, first };
  for (let i = visible; i < count; i += 1) {
    await ctx.records.create(ctx.http, resource, { nonce: ctx.nonce() });
  }
  const again = await ctx.http.send({ path: resource.listPath });
  return {
    visible: readPage(again, ctx.http.resolve(resource.listPath)).items?.length ?? 0,
    first: again,
  };
}

/**
 * The id of one record of `resource` readable with credential A, creating one when the
 * collection is empty and writes are allowed.
 */
export async function someRecord(
  ctx: ProbeContext,
  resource: Resource,
): Promise<{ id: string; path: string } | undefined> {
  if (!resource.itemPath) return undefined;
  const list = await ctx.http.send({ path: resource.listPath });
  const page = readPage(list, ctx.http.resolve(resource.listPath));
  let id = page.items && page.items.length > 0 ? page.ids[0] : undefined;
  if (id?.startsWith('{') || id?.startsWith('"')) id = undefined;
  if (!id && ctx.settings.writesAllowed && ctx.catalog.writable().includes(resource)) {
    id = (await ctx.records.create(ctx.http, resource, { nonce: ctx.nonce() })).id;
  }
  return id ? { id, path: itemUrl(resource.itemPath, id) } : undefined;
}

/** Items of a list of details, without repeats, cut after `max` with a count of the rest. */
export function listed(items: string[], max = 12): string[] {
  const unique = [...new Set(items)];
  return unique.length <= max
    ? unique
    : [...unique.slice(0, max), `… and ${unique.length - max} more`];
}

/** The n/a for a read refused for want of (the right) credentials, or undefined. */
export function refused(reply: Reply): Outcome | undefined {
  if (reply.status !== 401 && reply.status !== 403) return undefined;
  return na(
    `${described(reply)}: refused, so there is nothing to judge; give --auth with read access`,
  );
}

/** "GET /v1/users → 404" for detail lines. */
export function described(reply: Reply): string {
  const url = new URL(reply.exchange.request.url);
  return `${reply.exchange.request.method} ${url.pathname}${url.search} → ${reply.status}`;
}
