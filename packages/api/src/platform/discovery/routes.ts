import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { Config } from '../../config/index.js';
import { problemResponse } from '../errors/problem-schema.js';
import { documentPath } from '../openapi/documentation.js';
import {
  API_VERSIONS,
  DEPRECATED_VERSIONS,
  LATEST_VERSION,
  type ApiVersion,
} from '../versioning/api-version.js';

/** PUBLIC_BASE_URL (every link is absolute on it, as problem `type` URIs are) and V1_SUNSET_AT. */
export type DiscoveryOptions = Pick<Config, 'publicBaseUrl' | 'versioning'>;

/** RFC 9727 §2: the well-known URI of the API catalog. */
export const API_CATALOG_PATH = '/.well-known/api-catalog';
/** RFC 9727 §7.3: the linkset profile that marks a linkset as an API catalog. */
const CATALOG_TYPE = 'application/linkset+json; profile="https://www.rfc-editor.org/info/rfc9727"';

const Url = Type.String({ format: 'uri', maxLength: 2048 });
const Version = Type.Object({
  version: Type.String({ pattern: '^v\\d+$', maxLength: 8 }),
  status: Type.Union([Type.Literal('current'), Type.Literal('deprecated')]),
  sunset_at: Type.Optional(Type.String({ format: 'date-time', maxLength: 40 })),
  base_url: Url,
  openapi: Url,
  docs: Url,
});
/** Prose we write ourselves: bounded, no control characters (as the readiness sentences). */
const Prose = (maxLength: number) => Type.String({ maxLength, pattern: '^[^\\u0000-\\u001f]*$' });
const Index = Type.Object({
  name: Prose(100),
  description: Prose(500),
  versions: Type.Array(Version, { maxItems: 20 }),
  links: Type.Object({
    docs: Url,
    api_catalog: Url,
    errors: Url,
    liveness: Url,
    readiness: Url,
  }),
});
const Link = Type.Object({
  href: Url,
  type: Type.Optional(Type.String({ maxLength: 100, pattern: '^[a-z]+/[a-z0-9.+-]+$' })),
});
const Links = Type.Array(Link, { maxItems: 20 });
const Linkset = Type.Object({
  linkset: Type.Array(
    Type.Object({
      anchor: Url,
      item: Type.Optional(Links),
      'service-desc': Type.Optional(Links),
      'service-doc': Type.Optional(Links),
      status: Type.Optional(Links),
    }),
    { maxItems: 20 },
  ),
});

/**
 * The landing of the API for a person or a crawler: `GET /` is a small JSON index (versions, their
 * contracts and reference, health), and `/.well-known/api-catalog` the same as an RFC 9727 API
 * catalog (a linkset). Both are public, like the probes and the reference, and `/` points at the
 * catalog with `Link: <…>; rel="api-catalog"`.
 */
export function registerDiscoveryRoutes(app: FastifyInstance, options: DiscoveryOptions): void {
  const base = options.publicBaseUrl.replace(/\/$/, '');
  const catalog = `${base}${API_CATALOG_PATH}`;
  const catalogLink = `<${catalog}>; rel="api-catalog"`;
  const latestFirst = [...API_VERSIONS].reverse();
  const docsOf = (version: ApiVersion) => `${base}/docs/?urls.primaryName=${version}`;
  const deprecated = (version: ApiVersion) => DEPRECATED_VERSIONS.includes(version);

  const index = {
    name: 'Steadfast API',
    description: `Users, Orders and Payments, one tenant per API key. Every /${LATEST_VERSION} route needs \`Authorization: Bearer <key>\`; start with the reference.`,
    versions: latestFirst.map((version) => ({
      version,
      status: deprecated(version) ? ('deprecated' as const) : ('current' as const),
      ...(deprecated(version) ? { sunset_at: options.versioning.v1SunsetAt.toISOString() } : {}),
      base_url: `${base}/${version}`,
      openapi: `${base}${documentPath(version)}`,
      docs: docsOf(version),
    })),
    links: {
      docs: `${base}/docs`,
      api_catalog: catalog,
      errors: `${base}/problems/`,
      liveness: `${base}/livez`,
      readiness: `${base}/readyz`,
    },
  };
  const linkset = {
    linkset: [
      { anchor: catalog, item: latestFirst.map((version) => ({ href: `${base}/${version}` })) },
      ...latestFirst.map((version) => ({
        anchor: `${base}/${version}`,
        'service-desc': [
          { href: `${base}${documentPath(version)}`, type: 'application/vnd.oai.openapi+json' },
        ],
        'service-doc': [{ href: docsOf(version), type: 'text/html' }],
        status: [{ href: `${base}/readyz`, type: 'application/json' }],
      })),
    ],
  };

  const common = { tags: ['discovery'], security: [] };
  app.get(
    '/',
    {
      schema: {
        ...common,
        operationId: 'getIndex',
        summary: 'Index: the versions, their contracts and reference, and health',
        description:
          'Where a person or a crawler starts: links to the reference (`/docs`), each version with its OpenAPI document, the error catalogue and the probes. Carries `Link: <…/.well-known/api-catalog>; rel="api-catalog"`. No credentials, no rate limit beyond the per-address one.',
        response: {
          200: { ...Index, examples: [index] },
          429: problemResponse('rate_limited', '/'),
          500: problemResponse('internal_error', '/'),
        },
      },
    },
    async (_request, reply) => {
      reply.header('link', catalogLink);
      return index;
    },
  );
  app.get(
    API_CATALOG_PATH,
    {
      schema: {
        ...common,
        operationId: 'getApiCatalog',
        summary: 'API catalog (RFC 9727): a linkset of the versions and their descriptions',
        description:
          'The API catalog at its well-known URI (RFC 9727), as `application/linkset+json` (RFC 9264): one `item` per version, and for each its OpenAPI document (`service-desc`), reference (`service-doc`) and readiness (`status`). Also answers `HEAD` with the `Link` header only.',
        response: {
          200: {
            description: 'The catalog.',
            content: { [CATALOG_TYPE]: { schema: Linkset, example: linkset } },
          },
          429: problemResponse('rate_limited', API_CATALOG_PATH),
          500: problemResponse('internal_error', API_CATALOG_PATH),
        },
      },
    },
    async (_request, reply) => {
      reply.header('link', catalogLink).type(CATALOG_TYPE);
      return linkset;
    },
  );
}
