/**
 * The Express-equivalent stack of issue 19: Express 5 with the same production features the API
 * runs on a read, each done the usual Express way — helmet (the API's options) and Cache-Control,
 * pino-http (one access line per request to stdout, which the harness sends to a file; the
 * API's redaction paths), prom-client (request counter and latency histogram), an API-key check
 * against the hashed key in SQLite with an LRU cache, express-rate-limit per key (draft-8
 * RateLimit fields), better-sqlite3 prepared statements, a 10 s LRU of single orders (the API's
 * RESOURCE_CACHE_TTL_MS), signed cursors with a Link header, ETags and 304s, input checks with
 * problem+json errors. It answers GET /v1/orders/{id} and GET /v1/orders?limit=20 with the same
 * JSON as the API (the harness compares them before measuring).
 *
 * Environment: PORT, DATABASE_URL (the SQLite file), CURSOR_SECRET, PUBLIC_BASE_URL,
 * RATE_LIMIT_API_KEY_QUOTA and RATE_LIMIT_API_KEY_WINDOW_SECONDS (as the API reads them).
 */
import { createHash } from 'node:crypto';
import SQLite from 'better-sqlite3';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import { LRUCache } from 'lru-cache';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { requestIdFor } from '../../../packages/api/src/platform/observability/request-id.js';
import { apiKeyCheck } from './api-key.js';
import { requestMetrics } from './metrics.js';
import { cursorCodec, orderQueries, type OrderView } from './orders.js';
import { problem } from './problem.js';

/**
 * pino's path-based redaction, as an Express stack configures it: the paths our API gave pino
 * until it censored by key name itself (packages/api/src/platform/observability/redaction.ts).
 */
const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'cookie',
  'headers["x-api-key"]',
  'api_key',
  '*.api_key',
  '*.*.api_key',
  'secret',
  '*.secret',
  '*.*.secret',
  'password',
  '*.password',
  '*.*.password',
];

const env = (name: string, fallback?: string) => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};
const publicBaseUrl = env('PUBLIC_BASE_URL', `http://127.0.0.1:${env('PORT')}`);

const db = new SQLite(env('DATABASE_URL'), { readonly: false, timeout: 5000 });
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const orders = orderQueries(db);
const cursors = cursorCodec(env('CURSOR_SECRET'));
const orderCache = new LRUCache<string, { view: OrderView; version: number }>({
  max: 10_000,
  ttl: 10_000,
});
const metrics = requestMetrics();

const app = express();
app.disable('x-powered-by');
// The ETag is ours (a version, or a hash of the body), not Express's weak one.
app.set('etag', false);

app.use(
  pinoHttp({
    logger: pino({
      level: 'info',
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      base: { service: 'express-peer' },
      timestamp: () => `,"time":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    }),
    genReqId: (request, response) => {
      const id = requestIdFor(request);
      response.setHeader('x-request-id', id);
      return id;
    },
    wrapSerializers: false,
    serializers: { req: (request: { id: unknown }) => ({ id: request.id }) },
    // The API's access line: method, route pattern, status, duration, tenant.
    customSuccessObject: (request, response, value: { responseTime?: number }) => {
      const req = request as Request;
      return {
        method: req.method,
        route: (req.route as { path?: string } | undefined)?.path ?? 'not_found',
        status: response.statusCode,
        duration_ms: value.responseTime,
        tenant: req.auth?.accountId,
      };
    },
  }),
);
app.use(metrics.middleware);
app.use(
  helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    hsts: false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  }),
);
app.use((request: Request, response: Response, next: NextFunction) => {
  response.setHeader(
    'cache-control',
    request.headers.authorization ? 'private, no-cache' : 'no-store',
  );
  next();
});

// v1 is deprecated in the API: every /v1 answer carries Deprecation, Sunset and the Link to its
// successor and to the deprecation notice (RFC 9745, RFC 8594), as the API's v1 hook sends them.
const DEPRECATED_AT = `@${Date.parse('2026-11-25T00:00:00Z') / 1000}`;
const SUNSET = new Date('2027-11-30T00:00:00Z').toUTCString();
app.use('/v1', (request: Request, response: Response, next: NextFunction) => {
  const successor = `${publicBaseUrl}/v2${request.path === '/' ? '' : request.path}`;
  response.locals.versionLinks = `<${successor}>; rel="successor-version", <${publicBaseUrl}/docs/?urls.primaryName=v1>; rel="deprecation"; type="text/html"`;
  response.setHeader('deprecation', DEPRECATED_AT);
  response.setHeader('sunset', SUNSET);
  response.setHeader('link', response.locals.versionLinks as string);
  next();
});

app.get('/readyz', (_request, response) => {
  response.json({ status: 'ok' });
});
app.get('/metrics', async (_request, response) => {
  response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
});

const authenticated = apiKeyCheck(db, 'orders:read');
const limited = rateLimit({
  windowMs: Number(env('RATE_LIMIT_API_KEY_WINDOW_SECONDS', '60')) * 1000,
  limit: Number(env('RATE_LIMIT_API_KEY_QUOTA', '1200')),
  standardHeaders: 'draft-8',
  legacyHeaders: false,
  identifier: 'api_key',
  // Per credential, as the API counts: the key was verified just before.
  keyGenerator: (request) => request.headers.authorization ?? '',
  handler: (_request, response) => problem(response, 429, 'rate_limited', 'Too many requests.'),
});

/** Sends `text` as JSON with `etag`, or 304 when If-None-Match names it (weak comparison). */
function sendJson(request: Request, response: Response, text: string, etag: string) {
  response.setHeader('etag', etag);
  const inm = request.headers['if-none-match'];
  if (inm && inm.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
    response.status(304).end();
    return;
  }
  response.type('application/json').send(text);
}

const ORDER_ID = /^ord_[0-9a-hjkmnp-tv-z]{26}$/;

app.get('/v1/orders/:id', authenticated, limited, (request, response) => {
  const id = request.params.id as string;
  if (Object.keys(request.query).length > 0)
    return problem(response, 400, 'validation_failed', 'This endpoint takes no query parameters.');
  if (!ORDER_ID.test(id)) return problem(response, 400, 'validation_failed', 'Malformed order id.');
  const accountId = request.auth!.accountId;
  const cacheKey = `${accountId}\n${id}`;
  let order = orderCache.get(cacheKey);
  if (!order) {
    order = orders.get(accountId, id);
    if (order) orderCache.set(cacheKey, order);
  }
  if (!order) return problem(response, 404, 'not_found', 'No such order.');
  sendJson(request, response, JSON.stringify(order.view), `"v${order.version}"`);
});

app.get('/v1/orders', authenticated, limited, (request, response) => {
  const query = request.query as Record<string, unknown>;
  const unknown = Object.keys(query).filter(
    (name) => name !== 'limit' && name !== 'starting_after',
  );
  if (unknown.length > 0)
    return problem(response, 400, 'validation_failed', `Unknown parameter ${unknown[0]}.`);
  const limit = query.limit === undefined ? 20 : Number(query.limit);
  if (typeof query.limit === 'object' || !Number.isInteger(limit) || limit < 1 || limit > 100)
    return problem(response, 400, 'validation_failed', 'limit must be an integer 1–100.');
  const accountId = request.auth!.accountId;
  const scope = `${accountId}\n/orders`;
  let afterId: string | undefined;
  if (query.starting_after !== undefined) {
    afterId =
      typeof query.starting_after === 'string'
        ? cursors.decode(scope, query.starting_after)
        : undefined;
    if (afterId === undefined || !ORDER_ID.test(afterId))
      return problem(response, 400, 'invalid_cursor', 'The starting_after cursor is not valid.');
  }
  const page = orders.list(accountId, limit, afterId);
  const last = page.views.at(-1);
  const nextCursor = page.hasMore && last ? cursors.encode(scope, last.id) : null;
  if (nextCursor) {
    const next = new URL(`${publicBaseUrl}/v1/orders`);
    next.searchParams.set('limit', String(limit));
    next.searchParams.set('starting_after', nextCursor);
    response.setHeader(
      'link',
      `<${next.toString()}>; rel="next", ${response.locals.versionLinks as string}`,
    );
  }
  const text = JSON.stringify({
    object: 'list',
    data: page.views,
    has_more: page.hasMore,
    next_cursor: nextCursor,
  });
  const etag = `"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
  sendJson(request, response, text, etag);
});

app.use((_request: Request, response: Response) => {
  problem(response, 404, 'not_found', 'No such route.');
});
app.use((error: unknown, request: Request, response: Response, _next: NextFunction) => {
  request.log.error({ err: error }, 'request failed');
  problem(response, 500, 'internal_error', 'The server failed to answer.');
});

const server = app.listen(Number(env('PORT')), '127.0.0.1');
// The API's keep-alive (longer than a load balancer's 60 s idle timeout).
server.keepAliveTimeout = 72_000;
process.once('SIGTERM', () => server.close(() => process.exit(0)));
