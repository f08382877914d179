import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ProblemSchema } from '../errors/problem-schema.js';
import { API_VERSIONS, LATEST_VERSION, type ApiVersion } from '../versioning/api-version.js';
import type { OpenApiDocument, PathItem } from './document-types.js';
import { versionDocument, type ChangeNote } from './version-document.js';

export interface DocumentationOptions {
  /** The version changes of every module, listed in each document's description. */
  changes: readonly ChangeNote[];
  /** The requests the API sends (OpenAPI 3.1 `webhooks`), by name; the same in every version. */
  webhooks?: Record<string, PathItem>;
}

/** The reference's own name and marks, instead of the Swagger and Fastify ones (issue 16). */
const WORDMARK = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" width="190" height="40" viewBox="0 0 190 40"><text x="0" y="28" font-family="system-ui,sans-serif" font-size="24" font-weight="700" fill="#ffffff">Steadfast API</text></svg>',
);
const FAVICON = Buffer.from(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f5fbf"/><text x="16" y="23" text-anchor="middle" font-family="system-ui,sans-serif" font-size="20" font-weight="700" fill="#ffffff">S</text></svg>',
);
/** Swagger UI's own logo would flash before ours replaces it: never show it. */
const THEME_CSS = '.swagger-ui .topbar-wrapper a.link > svg { display: none; }';

/** Where the published contract of a version is served. */
export const documentPath = (version: ApiVersion) => `/${version}/openapi.json`;

/**
 * OpenAPI 3.1 generated from the route schemas (the same ones that validate requests), one
 * document per API version at /v{n}/openapi.json, and the interactive reference at /docs from
 * bundled assets (no CDN) with a switch between the versions.
 */
export async function registerDocumentation(app: FastifyInstance, options: DocumentationOptions) {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      // Title, version, description and servers are set per version by versionDocument().
      info: { title: 'Steadfast API', version: '0.0.0' },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API key: `sk_live_…` or `sk_test_…`, carrying the scopes it was created with.',
          },
          accessToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              'An OAuth2/OIDC access token from the configured identity provider (JWT_JWKS_URL), with the tenant and scopes in its claims. Verified following RFC8725 (JWT best current practices): asymmetric algorithms only (never `none` or HS*), issuer, audience and expiry required, keys from the JWKS.',
          },
        },
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'users', description: 'People who place orders.' },
        { name: 'orders', description: 'Orders and their line items.' },
        {
          name: 'payments',
          description: 'Payments of orders and their refunds, exactly once with Idempotency-Key.',
        },
        { name: 'api_keys', description: 'API keys of your account: create, list, revoke.' },
        {
          name: 'webhooks',
          description: 'Signed event notifications to your URLs (Standard Webhooks), retried.',
        },
        { name: 'health', description: 'Probes for orchestrators and load balancers.' },
        { name: 'discovery', description: 'Where to start: the index and the API catalog.' },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        (json.$id as string | undefined) ?? `def-${i}`,
    },
  });

  // Cut once, on first use: app.swagger() is only complete once every route is registered.
  const documents = new Map<ApiVersion, OpenApiDocument>();
  const documentOf = (version: ApiVersion) => {
    let document = documents.get(version);
    if (!document) {
      document = versionDocument(
        app.swagger() as unknown as OpenApiDocument,
        version,
        options.changes,
        options.webhooks,
      );
      documents.set(version, document);
    }
    return document;
  };

  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Bundled assets only: the page must work behind a firewall, so nothing remote is allowed.
    staticCSP:
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'",
    uiConfig: {
      // The version switch, latest first (the one that opens); `?urls.primaryName=v1` opens another.
      urls: [...API_VERSIONS].reverse().map((version) => ({
        url: documentPath(version),
        name: version,
      })),
      deepLinking: true,
      displayRequestDuration: true,
      validatorUrl: null,
    },
    // /docs/json (the plugin's own) is the latest version's document, not a mix of all.
    transformSpecification: () => documentOf(LATEST_VERSION),
    transformSpecificationClone: false,
    uiHooks: {},
    logo: { type: 'image/svg+xml', content: WORDMARK, href: '/', target: '_self' },
    theme: {
      title: 'Steadfast API reference',
      favicon: [
        {
          filename: 'favicon.svg',
          rel: 'icon',
          sizes: 'any',
          type: 'image/svg+xml',
          content: FAVICON,
        },
      ],
      css: [{ filename: 'steadfast.css', content: THEME_CSS }],
    },
    logLevel: 'warn',
  });
  // Cut the documents before the first visitor: the reference would otherwise spin while the
  // first request builds them.
  app.addHook('onReady', async () => {
    for (const version of API_VERSIONS) documentOf(version);
  });
  for (const version of API_VERSIONS)
    app.get(documentPath(version), { schema: { hide: true } }, async () => documentOf(version));
}
