import {
  isPublic,
  jsonMedia,
  operationsOf,
  serverPrefix,
  type ApiDocument,
  type Operation,
} from '../openapi/document.js';
import { derefObject, isObject } from '../openapi/json.js';
import { requestSample } from '../openapi/samples.js';

/** A collection of the API (`/v1/users`) and the operations found on it and its items. */
export interface Resource {
  /** Request path of the collection, server prefix included ("/v1/users"). */
  listPath: string;
  /** Request path template of one item ("/v1/users/{id}"). */
  itemPath: string | undefined;
  list: Operation | undefined;
  item: Operation | undefined;
  create: Operation | undefined;
  update: Operation | undefined;
  remove: Operation | undefined;
  deprecated: boolean;
  /** Named with --resource and not found in a document: its item, create, update and delete
   *  operations are assumed from REST conventions. */
  guessed: boolean;
  /** What a live GET of the collection showed, once confirmed: a list, a refusal for want of
   *  credentials, or no list (404, an error, not a list). Unset until `confirmLive`. */
  live?: 'list' | 'refused' | 'missing';
  /** The page-size parameter learnt without a document: given with --page-param, or found by
   *  asking for one item with each usual name. */
  pageParam?: { name: string; how: string; extra?: Record<string, string> };
}

/** Usual page-size parameter names, most common first; tried live when no document names one. */
export const PAGE_SIZE_CANDIDATES = [
  'limit',
  'per_page',
  'page_size',
  'pageSize',
  '_limit',
  '_per_page',
  'n',
  'page[size]',
  'max',
  'size',
  'count',
  '$top',
];

/** Path segments of routes that are not plain collections of records, wherever they appear. */
const NOT_CRUD_ANYWHERE =
  /(^|\/)(auth|oauth2?|login|logout|search|query|find|lookup|autocomplete|suggest|health|healthz|status|metrics|debug|internal|utils?|tools?|graphql|batch|bulk)(\/|$)/i;
/** Last segments that name a utility or an admin area rather than records. An `admin` prefix
 *  (`/api/admin/projects`) is how some APIs group their whole management API: not penalised. */
const NOT_CRUD_LAST =
  /\/(admin|token|tokens|sessions?|version|info|config|settings|me|whoami|export|import|stats|statistics|reports?|count|csv|webhooks?|ui-config|maintenance)$/i;

/** True for routes that are not plain collections: auth, admin, search, utilities. */
function notCrud(path: string): boolean {
  return NOT_CRUD_ANYWHERE.test(path) || NOT_CRUD_LAST.test(path);
}

/** What a live GET of a list showed, for discovery. */
type LiveSend = (path: string) => Promise<{
  status: number;
  isList: boolean;
  items?: number;
  continues?: boolean;
  /** The id of the first item, when the answer is a list. */
  firstId?: string;
}>;

/** Usual page-number parameter names, tried when the page size alone gives no next page. */
const PAGE_NUMBER_CANDIDATES = ['page', '_page', 'page[number]'];

/** Most collections a run GETs to confirm which ones answer live. */
const MAX_CONFIRM = 6;

/**
 * Collections whose records have effects beyond the API's own data (money, credentials,
 * notifications). The run never creates records in them.
 */
const SENSITIVE =
  /(api[_-]?keys?|tokens?|secrets?|credentials?|passwords?|payments?|refunds?|charges?|payouts?|transfers?|invoices?|webhooks?|sessions?|subscriptions?|emails?|messages?|notifications?|login|oauth)(\/|$)/i;

const HEALTH = /(^|\/)(livez|readyz|healthz?|ready|live|ping|status)$/i;

/**
 * The API's own index (`/`) and RFC 8615 well-known resources (`/.well-known/api-catalog`)
 * describe the API: lists of links, never a collection of records, and unversioned by design.
 */
const ABOUT_THE_API = /^\/$|^\/\.well-known\//;

function hasPathParams(path: string): boolean {
  return /\{[^}]+\}/.test(path);
}

/** True when the 200 response of a GET looks like a collection: an array, or an object holding one. */
function returnsCollection(operation: Operation): boolean {
  const ok = operation.responses['200'] ?? operation.responses['2XX'];
  const [json] = jsonMedia(operation.document, ok);
  const schema = json?.schema;
  if (!schema) return !HEALTH.test(operation.path);
  if (schema.type === 'array') return true;
  const properties = isObject(schema.properties) ? schema.properties : {};
  return Object.values(properties).some((property) => {
    const resolved = derefObject(operation.document.raw, property);
    return (
      resolved?.type === 'array' ||
      (Array.isArray(resolved?.type) && resolved.type.includes('array'))
    );
  });
}

/** The request path of an operation: the server's path prefix (unless the base URL has it) + path. */
function requestPathFor(doc: ApiDocument, path: string, base: URL): string {
  const prefix = serverPrefix(doc);
  const basePath = base.pathname.replace(/\/+$/, '');
  const full = prefix && !basePath.endsWith(prefix) ? `${prefix}${path}` : path;
  // A base URL that ends in the prefix every path of the document already carries
  // (base …/api, paths /api/items) would send /api/api/items: drop the repeat.
  return basePath && repeatsBasePath(doc, basePath) ? full.slice(basePath.length) || '/' : full;
}

/** True when every path of the document, with its server prefix, starts with `basePath`. */
function repeatsBasePath(doc: ApiDocument, basePath: string): boolean {
  const paths = isObject(doc.raw.paths) ? Object.keys(doc.raw.paths) : [];
  const prefix = serverPrefix(doc) ?? '';
  if (paths.length === 0 || (prefix !== '' && basePath.endsWith(prefix))) return false;
  return paths.every((p) => `${prefix}${p}`.startsWith(`${basePath}/`));
}

/** The value the catalog ranks resources by for read probes: lower is better. */
function readRank(resource: Resource): number[] {
  const live = { list: 0, refused: 1, missing: 3 } as const;
  return [
    resource.live ? live[resource.live] : 2,
    resource.deprecated ? 1 : 0,
    notCrud(resource.listPath) ? 1 : 0,
    resource.list && isPublic(resource.list) ? 1 : 0,
    resource.itemPath ? 0 : 1,
    resource.listPath.split('/').length,
  ];
}

function requiredReferences(operation: Operation): number {
  const [json] = jsonMedia(operation.document, operation.requestBody);
  const required = Array.isArray(json?.schema?.required) ? json.schema.required : [];
  return required.filter((name) => typeof name === 'string' && /(_id|Id)$/.test(name)).length;
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** What the probes know about the target's resources: from the documents, or from --resource. */
export class Catalog {
  readonly operations: Operation[];
  readonly resources: Resource[];

  constructor(
    readonly documents: ApiDocument[],
    private readonly base: URL,
    resourceHints: string[],
  ) {
    this.operations = documents.flatMap(operationsOf);
    const basePath = base.pathname.replace(/\/+$/, '');
    for (const doc of documents) {
      if (basePath && repeatsBasePath(doc, basePath)) {
        this.notes.push(
          `every path of ${doc.source} already starts with the base URL's path ${basePath}: requests go to ${basePath}/… once, not ${basePath}${basePath}/…`,
        );
      }
    }
    const found = this.fromDocuments();
    if (resourceHints.length === 0) {
      this.resources = found;
    } else {
      // --resource narrows the choice to the named collections, documented or not.
      this.resources = resourceHints.map((hint) => {
        const path = `/${hint.replace(/^\/+|\/+$/g, '')}`;
        return found.find((resource) => resource.listPath === path) ?? Catalog.guess(path);
      });
    }
  }

  private static guess(listPath: string): Resource {
    return {
      listPath,
      itemPath: `${listPath}/{id}`,
      list: undefined,
      item: undefined,
      create: undefined,
      update: undefined,
      remove: undefined,
      deprecated: false,
      guessed: true,
    };
  }

  /** The request path of an operation. */
  requestPath(operation: Operation): string {
    return requestPathFor(operation.document, operation.path, this.base);
  }

  private fromDocuments(): Resource[] {
    const resources: Resource[] = [];
    for (const list of this.operations) {
      if (list.method !== 'get' || ABOUT_THE_API.test(list.path) || !returnsCollection(list))
        continue;
      if (hasPathParams(list.path)) {
        // `/projects/{projectId}/features`: a collection inside a record of another one. Used
        // only when no plain collection answers, with the parameter taken from a live list.
        if (/^[^{}]+\/\{[^}/]+\}\/[^{}]+$/.test(list.path))
          this.nested.push(this.resourceFor(list));
        continue;
      }
      resources.push(this.resourceFor(list));
    }
    return resources;
  }

  /** A collection and the operations on it and its items, from its list operation. */
  private resourceFor(list: Operation): Resource {
    const itemPattern = new RegExp(
      `^${list.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&')}/\\{[^}/]+\\}$`,
    );
    const on = (method: string, matcher: (path: string) => boolean) =>
      this.operations.find(
        (op) => op.document === list.document && op.method === method && matcher(op.path),
      );
    const item = on('get', (path) => itemPattern.test(path));
    const itemTemplate = item?.path;
    const sameItem = (path: string) =>
      itemTemplate ? path === itemTemplate : itemPattern.test(path);
    return {
      listPath: this.requestPath(list),
      itemPath: itemTemplate ? requestPathFor(list.document, itemTemplate, this.base) : undefined,
      list,
      item,
      create: on('post', (path) => path === list.path),
      update: on('patch', sameItem) ?? on('put', sameItem),
      remove: on('delete', sameItem),
      deprecated: list.deprecated,
      guessed: false,
    };
  }

  /** Documented collections nested under a record (`/projects/{id}/features`), not yet usable. */
  private readonly nested: Resource[] = [];

  /** Whether the documents hold collections nested under a record. */
  get hasNested(): boolean {
    return this.nested.length > 0;
  }

  /**
   * When no plain collection answers with a list: a nested one, its parameter filled with the
   * first id of the parent collection's live list (`/projects` → `default` →
   * `/projects/default/features`).
   */
  private async fillNested(send: LiveSend, tried: string[]): Promise<Resource | undefined> {
    for (const nested of this.nested.slice(0, 3)) {
      const parent = nested.listPath.slice(0, nested.listPath.indexOf('/{'));
      const listed = await send(parent);
      tried.push(`${parent} → ${listed.status}`);
      const id = listed.firstId;
      if (!id) continue;
      const fill = (path: string) => path.replace(/\{[^}]+\}/, encodeURIComponent(id));
      const resource: Resource = {
        ...nested,
        listPath: fill(nested.listPath),
        itemPath: nested.itemPath ? fill(nested.itemPath) : undefined,
      };
      const { status, isList } = await send(resource.listPath);
      tried.push(`${resource.listPath} → ${status}`);
      if (status >= 200 && status < 300 && isList) {
        resource.live = 'list';
        this.resources.push(resource);
        this.notes.push(
          `${nested.listPath} filled with ${id}, the first record of ${parent}: no collection without path parameters answered with a list`,
        );
        return resource;
      }
    }
    return undefined;
  }

  /** Which collection was chosen and why, for the report's notes. */
  readonly notes: string[] = [];

  /**
   * Confirms live which collections answer: GETs the best-ranked ones (at most MAX_CONFIRM) until
   * one answers 2xx with a list. A documented path that answers 404 on this deployment is ranked
   * last, so no probe runs against it.
   */
  async confirmLive(send: LiveSend, pageParam?: string): Promise<void> {
    const tried: string[] = [];
    let chosenItems: number | undefined;
    for (const resource of this.ranked().slice(0, MAX_CONFIRM)) {
      const { status, isList, items } = await send(resource.listPath);
      chosenItems = items;
      resource.live =
        status >= 200 && status < 300 && isList
          ? 'list'
          : status === 401 || status === 403
            ? 'refused'
            : 'missing';
      tried.push(
        `${resource.listPath} → ${status}${status < 300 && !isList ? ' (not a list)' : ''}`,
      );
      if (resource.live === 'list') break;
    }
    if (!this.resources.some((r) => r.live === 'list') && this.nested.length > 0) {
      const filled = await this.fillNested(send, tried);
      if (filled) chosenItems = undefined;
    }
    const chosen = this.primary();
    if (!chosen) return;
    const why =
      chosen.live === 'list'
        ? 'answers 2xx with a list'
        : chosen.live === 'refused'
          ? 'answers, but refused these credentials'
          : 'no collection answered with a list; probes may misjudge';
    this.notes.push(
      `collection used: ${chosen.listPath} (${why}; ${this.resources.length} known, plain CRUD collections ranked above auth, admin, search and utility routes; tried ${tried.join(', ')})`,
    );
    await this.learnPageParam(chosen, chosenItems ?? 0, send, pageParam);
  }

  /**
   * The page-size parameter of `resource` when no document names one: --page-param, else the
   * first usual name for which `?name=1` returns exactly one item of a list that holds more.
   */
  private async learnPageParam(
    resource: Resource,
    visible: number,
    send: LiveSend,
    given: string | undefined,
  ): Promise<void> {
    const documented = resource.list?.parameters.some(
      (p) => p.in === 'query' && PAGE_SIZE_CANDIDATES.includes(p.name),
    );
    if (given) {
      for (const r of this.resources) r.pageParam = { name: given, how: 'given with --page-param' };
      this.notes.push(`page size parameter: ${given} (given with --page-param)`);
      return;
    }
    if (documented || resource.live !== 'list') return;
    if (visible < 2) {
      this.notes.push(
        `page size parameter: not discovered (${resource.listPath} shows ${visible} item(s); ${PAGE_SIZE_CANDIDATES[0]} is assumed; name it with --page-param)`,
      );
      return;
    }
    const tried: string[] = [];
    for (const name of PAGE_SIZE_CANDIDATES) {
      const path = `${resource.listPath}?${encodeURIComponent(name).replace(/%5B/g, '[').replace(/%5D/g, ']')}=1`;
      const { status, items } = await send(path);
      tried.push(
        `${name} → ${status === 200 && items !== undefined ? `${items} item(s)` : status}`,
      );
      if (status === 200 && items === 1) {
        resource.pageParam = { name, how: `GET ${path} returned 1 of ${visible} items` };
        this.notes.push(`page size parameter: ${name} (discovered: ${resource.pageParam.how})`);
        if (!(await send(path)).continues) await this.learnPageNumber(resource, name, send);
        return;
      }
    }
    this.notes.push(
      `page size parameter: not discovered (tried ${tried.join(', ')}); name it with --page-param`,
    );
  }

  /**
   * Page-number paging (`_page`, `page`): the size alone gives no way to the next page, but with
   * a page number the answer links to it (json-server answers `_limit=1` alone with no Link).
   */
  private async learnPageNumber(resource: Resource, size: string, send: LiveSend): Promise<void> {
    for (const name of PAGE_NUMBER_CANDIDATES) {
      const path = `${resource.listPath}?${size}=1&${name}=1`;
      const { status, items, continues } = await send(path);
      if (status === 200 && items === 1 && continues) {
        resource.pageParam = {
          ...resource.pageParam!,
          extra: { [name]: '1' },
        };
        this.notes.push(
          `page number parameter: ${name} (discovered: GET ${path} links to a next page, ${size}=1 alone does not)`,
        );
        return;
      }
    }
  }

  /** Collections best suited to read probes first: current, protected, with item reads. */
  ranked(): Resource[] {
    return [...this.resources].sort((a, b) => compareRanks(readRank(a), readRank(b)));
  }

  /** The collection read probes use. */
  primary(): Resource | undefined {
    return this.ranked()[0];
  }

  /** Collections whose records the run may create (and delete again), best first. */
  writable(): Resource[] {
    return this.resources
      .filter((resource) => !SENSITIVE.test(resource.listPath))
      .filter((resource) => resource.guessed || (resource.create && requestSample(resource.create)))
      .sort((a, b) =>
        compareRanks(
          [
            a.deprecated ? 1 : 0,
            a.remove || a.guessed ? 0 : 1,
            a.create ? requiredReferences(a.create) : 0,
            ...readRank(a),
          ],
          [
            b.deprecated ? 1 : 0,
            b.remove || b.guessed ? 0 : 1,
            b.create ? requiredReferences(b.create) : 0,
            ...readRank(b),
          ],
        ),
      );
  }

  /**
   * An endpoint that takes a JSON body, for probes that send bodies a correct API must refuse
   * (malformed, oversized, wrong media type). Prefers a current create operation.
   */
  bodyEndpoint(): { method: string; path: string } | undefined {
    const resource = this.writable()[0] ?? this.primary();
    if (resource?.create) return { method: 'POST', path: resource.listPath };
    if (resource?.guessed) return { method: 'POST', path: resource.listPath };
    const candidate = this.operations.find(
      (op) =>
        !op.deprecated &&
        ['post', 'put', 'patch'].includes(op.method) &&
        !hasPathParams(op.path) &&
        jsonMedia(op.document, op.requestBody).length > 0,
    );
    return candidate
      ? { method: candidate.method.toUpperCase(), path: this.requestPath(candidate) }
      : undefined;
  }

  /** Operations marked deprecated in the documents. */
  deprecatedOperations(): Operation[] {
    return this.operations.filter((op) => op.deprecated);
  }
}

/** The item path with its one parameter filled in. */
export function itemUrl(template: string, id: string): string {
  return template.replace(/\{[^}]+\}/, encodeURIComponent(id));
}
