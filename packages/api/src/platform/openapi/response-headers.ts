import type { HeaderObject } from './document-types.js';

/*
 * Response headers, documented once. Routes declare the ones only they set (Location, an ETag on
 * a write, Link on a list) in their response schemas with withHeaders(); the document builder
 * adds the ones every response of a kind carries (request id, rate limits, Retry-After…).
 */

/** Header schemas for a route's response schema (`@fastify/swagger` reads `headers` there). */
export const ROUTE_HEADERS = {
  Location: {
    type: 'string',
    format: 'uri',
    maxLength: 2048,
    description: 'URL of the created resource.',
  },
  ETag: {
    type: 'string',
    maxLength: 64,
    pattern: '^"v[0-9]{1,9}"$',
    description:
      'The version of the resource (`"v3"`): send it back in `If-Match` to change only this version, or in `If-None-Match` to revalidate.',
  },
  Link: {
    type: 'string',
    maxLength: 4096,
    description:
      'RFC 8288 links. `rel="next"` when another page follows: the URL of the next page, filters kept.',
  },
} as const;

/** A response schema with the headers the route sets documented beside it. */
export function withHeaders<T extends object>(
  schema: T,
  ...names: (keyof typeof ROUTE_HEADERS)[]
): T & { headers: Record<string, unknown> } {
  return {
    ...schema,
    headers: Object.fromEntries(names.map((name) => [name, ROUTE_HEADERS[name]])),
  };
}

/** Headers shared by many responses; the document references them from components.headers. */
export const COMMON_HEADERS: Record<string, HeaderObject> = {
  'X-Request-Id': {
    description:
      'The request id: yours when you sent a well-formed `X-Request-Id`, else a new one. Quote it to support; problem bodies carry it as `request_id`.',
    required: true,
    schema: { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9._:-]{8,128}$' },
  },
  'Access-Control-Allow-Origin': {
    description:
      'CORS: the request’s `Origin`, only when CORS_ALLOWED_ORIGINS lists it (never `*`); absent otherwise.',
    schema: { type: 'string', format: 'uri', maxLength: 2048 },
  },
  'RateLimit-Policy': {
    description:
      'The rate-limit policies that apply (draft-ietf-httpapi-ratelimit-headers): quota `q` per window `w` seconds, e.g. `"api_key";q=1200;w=60, "api_key_writes";q=300;w=60`.',
    schema: {
      type: 'string',
      maxLength: 256,
      pattern: '^"[a-z_]+";q=[0-9]+;w=[0-9]+(, "[a-z_]+";q=[0-9]+;w=[0-9]+)*$',
    },
  },
  RateLimit: {
    description:
      'What is left of each policy: remaining `r` and seconds `t` until the bucket is full again (or, at `r=0`, until the next request is allowed). Limits are per credential and shared by all API versions.',
    schema: {
      type: 'string',
      maxLength: 256,
      pattern: '^"[a-z_]+";r=[0-9]+;t=[0-9]+(, "[a-z_]+";r=[0-9]+;t=[0-9]+)*$',
    },
  },
  'Retry-After': {
    description: 'Seconds to wait before retrying.',
    required: true,
    schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 86400 },
  },
  'WWW-Authenticate': {
    description:
      'The Bearer challenge (RFC 6750): `error="invalid_token"` for a bad credential, `error="insufficient_scope", scope="…"` for a missing scope.',
    required: true,
    schema: { type: 'string', maxLength: 256, pattern: '^Bearer realm="steadfast"' },
  },
  'Idempotent-Replayed': {
    description:
      '`true` when this is the recorded answer to an earlier request with the same `Idempotency-Key`: nothing ran again.',
    schema: { type: 'string', enum: ['true'] },
  },
  'Content-ETag': {
    description:
      'A validator of this representation: send it in `If-None-Match` to get `304 Not Modified` while it is current.',
    schema: { type: 'string', maxLength: 64, pattern: '^"[A-Za-z0-9_-]+"$' },
  },
};

/** The retirement of a deprecated version (platform/versioning/deprecation.ts). */
export const DEPRECATION_HEADERS: Record<string, HeaderObject> = {
  Deprecation: {
    description:
      'RFC 9745: this API version is deprecated since this moment (`@` + seconds since the epoch).',
    required: true,
    schema: { type: 'string', maxLength: 24, pattern: '^@[0-9]{1,15}$' },
  },
  Sunset: {
    description: 'RFC 8594: the moment this API version stops answering (an HTTP-date).',
    required: true,
    schema: {
      type: 'string',
      maxLength: 29,
      pattern: '^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$',
    },
  },
  'Successor-Link': {
    description:
      'RFC 8288 links: `rel="successor-version"` to the same resource in the next API version, `rel="deprecation"` to the reference page, and `rel="next"` on a list with another page.',
    required: true,
    schema: { type: 'string', maxLength: 4096, pattern: '^<[^>]+>;' },
  },
};

export const headerRef = (name: string) => ({
  $ref: `#/components/headers/${name}`,
});
