import { SCOPES } from '../auth/scopes.js';
import {
  DEPRECATED_VERSIONS,
  DOCUMENT_VERSIONS,
  LATEST_VERSION,
  successorOf,
  versionOfPath,
  type ApiVersion,
} from '../versioning/api-version.js';
import {
  HTTP_METHODS,
  type OpenApiDocument,
  type OperationObject,
  type PathItem,
  type ResponseObject,
} from './document-types.js';
import { stateImpliedBounds } from './implied-bounds.js';
import { addLinks } from './links.js';
import { COMMON_HEADERS, DEPRECATION_HEADERS, headerRef } from './response-headers.js';

/** A version change, as the document's description lists it. */
export interface ChangeNote {
  since: ApiVersion;
  description: string;
}

const overview = (version: ApiVersion) =>
  [
    `Steadfast API, version ${version}: multi-tenant users, orders, payments and refunds.`,
    'Authenticate with `Authorization: Bearer …`: an API key (`sk_live_…`, `sk_test_…`) or an OAuth2/OIDC access token (JWT). Each operation requires one scope, named in its security requirement; a credential without it gets 403 `insufficient_scope`. ' +
      `Scopes: ${SCOPES.map((scope) => `\`${scope}\``).join(', ')}.`,
    'Every error is `application/problem+json` (RFC 9457); each `type` URI is a page of the error catalogue at `/problems/`.',
    version === 'v1'
      ? 'Lists use cursor pagination: `limit`, `starting_after` (the previous page’s `next_cursor`), `Link: rel="next"`.'
      : 'Lists use cursor pagination: `limit`, `cursor` (the previous page’s `pagination.next_cursor`), `Link: rel="next"`.',
    'GETs carry an `ETag` and honour `If-None-Match` (304); PATCH and cancel honour `If-Match` (412 when stale). Every response carries `X-Request-Id`.',
    'Every POST accepts `Idempotency-Key` (required on payments and refunds): a retry with the same key and request replays the first answer with `Idempotent-Replayed: true`; the same key with another request is 422 `idempotency_key_reused`, and one still in progress 409 `idempotency_request_in_progress`.',
    'Rate limits: responses carry `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers); a refused request is 429 `rate_limited` with `Retry-After`.',
    'Versions: `/v1` (deprecated) and `/v2` are served side by side by one domain core, so anything created through one is visible through the other. ETags and `If-Match` work across versions, rate limits are shared, and an `Idempotency-Key` belongs to one request (reusing it on the other version is 422 `idempotency_key_reused`).',
  ].join('\n\n');

function versionNotes(version: ApiVersion, changes: readonly ChangeNote[]): string {
  if (DEPRECATED_VERSIONS.includes(version)) {
    const successor = successorOf(version) ?? LATEST_VERSION;
    return [
      `**Deprecated.** ${version} still answers, unchanged, until its sunset; migrate to ${successor}. Every ${version} response carries \`Deprecation\` (RFC 9745, since when), \`Sunset\` (RFC 8594, the moment ${version} stops answering) and \`Link: <…/${successor}/…>; rel="successor-version"\`.`,
      `What changes in ${successor}:`,
      ...changes.filter((c) => c.since === successor).map((c) => `- ${c.description}`),
    ].join('\n\n');
  }
  const own = changes.filter((c) => c.since === version);
  if (own.length === 0) return '';
  return [`Breaking changes in ${version}:`, ...own.map((c) => `- ${c.description}`)].join('\n\n');
}

/** `*` or a list of (weak or strong) entity-tags (RFC 9110 §8.8.3). */
const ENTITY_TAGS = '^(\\*|(W/)?"[^"]*"(\\s*,\\s*(W/)?"[^"]*")*)$';

const isAuthenticated = (operation: OperationObject) => (operation.security ?? []).length > 0;

function addHeaders(response: ResponseObject, headers: Record<string, object>) {
  response.headers = { ...response.headers };
  for (const [name, header] of Object.entries(headers)) response.headers[name] ??= header;
}

/**
 * The headers every response of a kind carries, documented on each: request id everywhere;
 * rate-limit fields on the authenticated 2xx and 4xx; Retry-After on 429 and 503;
 * WWW-Authenticate on 401 and 403; Idempotent-Replayed on POST successes; an ETag and a 304 on
 * GETs; and Deprecation, Sunset and the successor link on a deprecated version.
 */
function documentCommonHeaders(method: string, operation: OperationObject, deprecated: boolean) {
  if (method === 'get' && isAuthenticated(operation) && operation.responses['200']) {
    addHeaders(operation.responses['200'], { ETag: headerRef('Content-ETag') });
    operation.responses['304'] ??= {
      description: 'Not Modified: the representation matching `If-None-Match` is still current.',
      headers: { ETag: headerRef('Content-ETag') },
    };
    operation.parameters = [
      ...(operation.parameters ?? []),
      {
        in: 'header',
        name: 'if-none-match',
        required: false,
        description: 'An ETag from an earlier response: 304 (no body) while it is still current.',
        schema: { type: 'string', maxLength: 512, pattern: ENTITY_TAGS },
      },
    ];
  }
  for (const parameter of operation.parameters ?? []) {
    // Checked in a preHandler (to answer 400 idempotency_key_missing rather than a generic
    // validation error), so the route schema cannot mark it required; the contract does.
    if (parameter.in === 'header' && parameter.description?.startsWith('**Required.**'))
      parameter.required = true;
  }
  for (const [status, response] of Object.entries(operation.responses)) {
    const code = Number(status);
    addHeaders(response, {
      'X-Request-Id': headerRef('X-Request-Id'),
      'Access-Control-Allow-Origin': headerRef('Access-Control-Allow-Origin'),
    });
    // Every route but the probes counts against a limit (the public index and catalog per address).
    if (
      (isAuthenticated(operation) || !operation.tags?.includes('health')) &&
      (Math.floor(code / 100) === 2 || Math.floor(code / 100) === 4)
    )
      addHeaders(response, {
        'RateLimit-Policy': headerRef('RateLimit-Policy'),
        RateLimit: headerRef('RateLimit'),
      });
    if (code === 429 || code === 503)
      addHeaders(response, { 'Retry-After': headerRef('Retry-After') });
    if (code === 401 || code === 403)
      addHeaders(response, { 'WWW-Authenticate': headerRef('WWW-Authenticate') });
    if (method === 'post' && code >= 200 && code < 300)
      addHeaders(response, { 'Idempotent-Replayed': headerRef('Idempotent-Replayed') });
    if (deprecated) {
      // A list's own Link (rel="next") is the same header; one description covers both.
      response.headers = { ...response.headers, Link: headerRef('Successor-Link') };
      addHeaders(response, {
        Deprecation: headerRef('Deprecation'),
        Sunset: headerRef('Sunset'),
      });
    }
  }
}

/**
 * The OpenAPI document of one API version, cut from the document of all routes: its own paths
 * plus the unversioned public ones (health), the `webhooks` it is given, its description and change notes, `deprecated` on
 * every operation of a deprecated version, and the shared response headers. The server is
 * relative (`/`): the document describes whichever deployment serves it.
 */
export function versionDocument(
  all: OpenApiDocument,
  version: ApiVersion,
  changes: readonly ChangeNote[],
  webhooks?: Record<string, PathItem>,
): OpenApiDocument {
  const deprecated = DEPRECATED_VERSIONS.includes(version);
  const copy = structuredClone(all);
  const paths: OpenApiDocument['paths'] = {};
  for (const [path, item] of Object.entries(copy.paths)) {
    const own = versionOfPath(path);
    if (own !== undefined && own !== version) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (!HTTP_METHODS.includes(method)) continue;
      if (own !== undefined && deprecated) operation.deprecated = true;
      documentCommonHeaders(method, operation, own !== undefined && deprecated);
    }
    paths[path] = item;
  }
  const usedTags = new Set(
    Object.values(paths).flatMap((item) => Object.values(item).flatMap((op) => op.tags ?? [])),
  );
  const notes = versionNotes(version, changes);
  const document: OpenApiDocument = {
    ...copy,
    info: {
      ...copy.info,
      contact: { name: 'Steadfast API maintainers' },
      title: `Steadfast API ${version}${deprecated ? ' (deprecated)' : ''}`,
      version: DOCUMENT_VERSIONS[version],
      description: notes ? `${overview(version)}\n\n${notes}` : overview(version),
    },
    servers: [
      {
        url: '/',
        description:
          'This deployment: the host that serves this document (local, staging or production).',
        'x-internal': false,
      },
    ],
    tags: (copy.tags ?? []).filter((tag) => usedTags.has(tag.name)),
    paths,
    ...(webhooks ? { webhooks: structuredClone(webhooks) } : {}),
    components: {
      ...copy.components,
      headers: {
        ...(copy.components?.headers ?? {}),
        ...COMMON_HEADERS,
        ...(deprecated ? DEPRECATION_HEADERS : {}),
      },
    },
  };
  stateImpliedBounds(document.paths);
  stateImpliedBounds(document.components);
  if (document.webhooks) stateImpliedBounds(document.webhooks);
  addLinks(document);
  return document;
}
