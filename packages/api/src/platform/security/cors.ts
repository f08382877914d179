import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface CorsOptions {
  /** Exact origins (scheme://host[:port]) browsers may call the API from (CORS_ALLOWED_ORIGINS). */
  allowedOrigins: string[];
}

/**
 * Response headers a browser client may read: ids, caching, pagination, creation, rate limits,
 * replays, and the retirement of an API version.
 */
export const EXPOSED_HEADERS = [
  'X-Request-Id',
  'ETag',
  'Link',
  'Location',
  'RateLimit',
  'RateLimit-Policy',
  'Retry-After',
  'Idempotent-Replayed',
  'Deprecation',
  'Sunset',
];

/** Request headers a browser client may send. */
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'If-Match',
  'If-None-Match',
  'Idempotency-Key',
  'X-Request-Id',
  'traceparent',
  'tracestate',
];

/**
 * CORS for browser clients on an explicit allow-list; with an empty list the plugin is not
 * registered at all, so no response carries CORS headers and browsers keep the same-origin rule.
 *
 * - The allowed origin is echoed, never `*`, and credentials mode is off: the API authenticates
 *   with a bearer key in the Authorization header, never with cookies, so a browser on another
 *   site cannot ride on ambient credentials.
 * - A preflight is answered (204) only for a listed origin; any other origin gets the ordinary
 *   404/405 problem and no CORS headers, so the browser blocks the request.
 * - Runs in onRequest before authentication, rate limiting and load shedding, so even a 401, 429
 *   or 503 carries Access-Control-Allow-Origin and the client can read why it failed.
 */
async function corsPlugin(app: FastifyInstance, options: CorsOptions) {
  if (options.allowedOrigins.length === 0) return;
  const allowed = new Set(options.allowedOrigins);
  await app.register(cors, {
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: false,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    // Browsers cap this (Chromium at 2 h); 10 min keeps preflights rare without pinning old policy.
    maxAge: 600,
    // A plain OPTIONS from a listed origin is answered like a preflight instead of the plugin's
    // text/plain 400, which would break the one-error-shape rule.
    strictPreflight: false,
  });
}

export const corsAllowList = fp(corsPlugin, { name: 'steadfast-cors' });
