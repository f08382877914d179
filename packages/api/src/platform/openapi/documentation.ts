import { SCOPES } from '../auth/scopes.js';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { ProblemSchema } from '../errors/problem-schema.js';

/** The overview at the top of the reference: how to authenticate and what every response shares. */
const API_DESCRIPTION = [
  'Multi-tenant Users and Orders API.',
  'Authenticate with `Authorization: Bearer …`: an API key (`sk_live_…`, `sk_test_…`) or an OAuth2/OIDC access token (JWT).',
  'Each operation requires one scope, named in its security requirement; a credential without it gets 403 `insufficient_scope`.',
  `Scopes: ${SCOPES.map((scope) => `\`${scope}\``).join(', ')}.`,
  'Every error is `application/problem+json` (RFC 9457); each `type` URI is a page of the error catalogue at `/problems/`.',
  'Lists use cursor pagination (`limit`, `starting_after`, `Link: rel="next"`).',
  'GETs carry an `ETag` and honour `If-None-Match`; PATCH and cancel honour `If-Match` (412 when stale).',
  'Every response carries `X-Request-Id`.',
  'Every POST accepts `Idempotency-Key` (required on payments and refunds): a retry with the same key and request replays the first answer with `Idempotent-Replayed: true`; the same key with another request is 422 `idempotency_key_reused`, and one still in progress 409 `idempotency_request_in_progress`.',
  'Rate limits: responses carry `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers); a refused request is 429 `rate_limited` with `Retry-After`.',
].join(' ');

export interface DocumentationOptions {
  publicBaseUrl: string;
  version: string;
}

/**
 * OpenAPI 3.1 generated from the route schemas (the same ones that validate requests), served at
 * /v1/openapi.json, and the interactive reference at /docs from bundled assets (no CDN).
 */
export async function registerDocumentation(app: FastifyInstance, options: DocumentationOptions) {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Steadfast API',
        version: options.version,
        description: API_DESCRIPTION,
      },
      servers: [{ url: options.publicBaseUrl }],
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
              'An OAuth2/OIDC access token from the configured identity provider (JWT_JWKS_URL), with the tenant and scopes in its claims.',
          },
        },
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'users', description: 'People who place orders.' },
        { name: 'orders', description: 'Orders and their line items.' },
        { name: 'api_keys', description: 'API keys of your account: create, list, revoke.' },
        { name: 'health', description: 'Probes for orchestrators and load balancers.' },
      ],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        (json.$id as string | undefined) ?? `def-${i}`,
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    // Bundled assets only: the page must work behind a firewall, so nothing remote is allowed.
    staticCSP:
      "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'",
    uiConfig: {
      url: '/v1/openapi.json',
      deepLinking: true,
      displayRequestDuration: true,
      validatorUrl: null,
    },
    uiHooks: {},
    logLevel: 'warn',
  });
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
