import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendHookHandler,
  preHandlerAsyncHookHandler,
  preSerializationHookHandler,
} from 'fastify';
import type { Kysely } from 'kysely';
import DataLoader from 'dataloader';
import { LRUCache } from 'lru-cache';
import { precompileByShape } from '../../db/precompiled.js';
import type { Database } from '../../db/schema.js';
import { principalOf } from '../auth/authenticate.js';
import type { CacheLookupObserver } from './invalidated-cache.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Serve this GET list from the list cache (its rows must be in LISTED_TABLES, migration 0009). */
    listCache?: boolean;
  }
}

export interface ListCacheOptions {
  db: Kysely<Database>;
  /** LIST_CACHE_MAX_BYTES: the most bytes of pages held; 0 turns the cache off. */
  maxBytes: number;
  observe?: CacheLookupObserver;
}

interface CachedPage {
  body: string;
  etag: string;
  /** The route's own `Link` (rel="next"); the version hooks add theirs on every response. */
  link: string | undefined;
}

/** The most accounts one generation read asks for (one compiled query per count up to it). */
const MAX_GENERATIONS_PER_READ = 64;

/** What a request that missed carries from preHandler to onSend. */
const pendingKey = Symbol('listCacheKey');
const pendingLink = Symbol('listCacheLink');
type Pending = FastifyRequest & { [pendingKey]?: string; [pendingLink]?: string };

/**
 * A strongly consistent cache of list pages (issue 19): the serialized page and its ETag, keyed by
 * (account, the account's list generation, URL). The generation is moved by database triggers in
 * the same transaction as every change to a listed row (migrations 0009, 0010), and a request
 * reads it (a primary-key range read, one query for the list requests of an event-loop turn)
 * before it looks in the cache, so a page is never served once a change to it has committed,
 * whichever instance made the change: no invalidation message to lose, no TTL. Authentication,
 * scopes, rate limits, access log, version headers and If-None-Match all still run on a hit; what
 * a hit skips is the list's queries, the mapping to the public shape, the serialization and the
 * ETag hash.
 *
 * Reading the generation before the page matters: a change committing between the two is then
 * either in the page stored under the old generation (a newer page, never an older one) or in
 * the next generation.
 */
export function registerListCache(app: FastifyInstance, options: ListCacheOptions): void {
  if (options.maxBytes <= 0) return;
  const pages = new LRUCache<string, CachedPage>({
    maxSize: options.maxBytes,
    sizeCalculation: (page, key) => page.body.length + key.length + 64,
  });
  // The sum of each account's generation slots (migration 0010): primary-key range reads,
  // compiled once per number of accounts (it runs on every list request, hit or miss).
  const generationRows = precompileByShape(options.db, (db, params: { accountIds: string[] }) =>
    db
      .selectFrom('list_generations')
      .select((eb) => ['account_id', eb.fn.sum('generation').as('generation')])
      .where('account_id', 'in', params.accountIds)
      .groupBy('account_id'),
  );
  // The list requests of one event-loop turn read their generations in one query, sent once the
  // turn's requests have all asked (setImmediate): on PostgreSQL that is one round trip where
  // there were as many as requests. Still read after each request arrived, so a change committed
  // before then is never missed. No memo between batches (`cache: false`): every turn reads anew.
  // A failed read fails every list request of its batch, as the same database fault would have
  // failed each of their own reads; its span is in the trace of the request that asked first.
  const generations = new DataLoader<string, string>(
    async (accountIds) => {
      const rows = await generationRows({ accountIds: [...new Set(accountIds)] });
      const byAccount = new Map(rows.map((row) => [row.account_id, String(row.generation)]));
      // An account no write has touched yet has no slot: generation 0 until its first change.
      return accountIds.map((accountId) => byAccount.get(accountId) ?? '0');
    },
    { cache: false, maxBatchSize: MAX_GENERATIONS_PER_READ, batchScheduleFn: setImmediate },
  );

  const lookup: preHandlerAsyncHookHandler = async (request: Pending, reply: FastifyReply) => {
    if (request.method !== 'GET') return;
    const { accountId } = principalOf(request);
    const generation = await generations.load(accountId);
    const key = `${accountId}\u0000${generation}\u0000${request.url}`;
    const page = pages.get(key);
    if (!page) {
      options.observe?.('list', 'miss');
      request[pendingKey] = key;
      return;
    }
    options.observe?.('list', 'hit');
    if (page.link) reply.header('link', page.link);
    reply.header('etag', page.etag).type('application/json; charset=utf-8');
    return reply.send(page.body);
  };
  // Before the version hooks add their links: the route's own `Link` only.
  const keepLink: preSerializationHookHandler = (request: Pending, reply, _payload, done) => {
    if (request[pendingKey]) request[pendingLink] = reply.getHeader('link') as string | undefined;
    done();
  };
  // After the ETag hook (registered on the root context, so it ran first): body and tag as sent.
  const store: onSendHookHandler = (request: Pending, reply, payload, done) => {
    const key = request[pendingKey];
    const etag = reply.getHeader('etag');
    if (key && reply.statusCode === 200 && typeof payload === 'string' && typeof etag === 'string')
      pages.set(key, { body: payload, etag, link: request[pendingLink] });
    done();
  };
  // Route-level hooks on the cached lists only: no other request walks them. They run after the
  // context's (authentication, scopes, rate limits), so a hit is still the caller's and counts.
  app.addHook('onRoute', (route) => {
    if (!route.config?.listCache) return;
    route.preHandler = [...[route.preHandler ?? []].flat(), lookup];
    route.preSerialization = [...[route.preSerialization ?? []].flat(), keepLink];
    route.onSend = [...[route.onSend ?? []].flat(), store];
  });
}
