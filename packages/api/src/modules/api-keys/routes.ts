import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { principalOf } from '../../platform/auth/authenticate.js';
import { problemResponses } from '../../platform/errors/problem-schema.js';
import { idPattern } from '../../platform/ids/ids.js';
import { sendPage } from '../../platform/pagination/page.js';
import { EmptyBody, NoQuery } from '../../platform/validation/empty-inputs.js';
import {
  API_VERSIONS,
  versionedPath,
  type ApiVersion,
} from '../../platform/versioning/api-version.js';
import { listFormat } from '../../platform/versioning/list-format.js';
import {
  API_KEY_EXAMPLE,
  ApiKey,
  ApiKeyParams,
  CreateApiKeyBody,
  CreatedApiKey,
} from './schemas.js';
import type { ApiKeysService } from './service.js';

interface Deps {
  apiKeys: ApiKeysService;
  publicBaseUrl: string;
}

/**
 * /v{n}/api_keys: HTTP only, served in every API version (changed only in the list format so
 * far). All three operations need `api_keys:manage`.
 */
export function registerApiKeyRoutes(app: FastifyInstance, deps: Deps) {
  for (const version of API_VERSIONS) registerVersion(app, version, deps);
}

function registerVersion(app: FastifyInstance, version: ApiVersion, deps: Deps) {
  const { apiKeys, publicBaseUrl } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['api_keys'];
  const config = { scope: 'api_keys:manage' as const };
  const path = (route: string) => versionedPath(version, route);
  const list = listFormat(version);

  r.post(
    path('/api_keys'),
    {
      config,
      schema: {
        operationId: 'createApiKey',
        summary: 'Create an API key',
        description:
          'The response holds the secret; it is never shown again. Scopes default to, and may not exceed, the caller’s.',
        tags,
        body: CreateApiKeyBody,
        response: {
          201: { ...CreatedApiKey, description: 'The new key, with its secret.' },
          ...problemResponses(path('/api_keys')),
        },
      },
    },
    async (request, reply) => {
      const created = await apiKeys.create(principalOf(request), request.body);
      return reply
        .code(201)
        .header('location', `${publicBaseUrl}${path('/api_keys')}/${created.id}`)
        .send(created);
    },
  );

  r.get(
    path('/api_keys'),
    {
      config,
      schema: {
        operationId: 'listApiKeys',
        summary: 'List API keys, newest first (never their secrets)',
        tags,
        querystring: list.query({}),
        response: {
          200: {
            ...list.schema(ApiKey),
            examples: [list.envelope([API_KEY_EXAMPLE], false, null)],
          },
          ...problemResponses(path('/api_keys'), 'invalid_cursor'),
        },
      },
    },
    async (request, reply) => {
      const { limit, afterId } = list.pageOf(request, idPattern('key'));
      const page = await apiKeys.list(principalOf(request).accountId, { afterId, limit });
      return sendPage(request, reply, publicBaseUrl, page, (key) => key, list);
    },
  );

  r.post(
    path('/api_keys/:id/revoke'),
    {
      config,
      schema: {
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        description:
          'Effective at once on the node that handles the request, and on every node within API_KEY_CACHE_TTL_MS. Revoking twice keeps the first time.',
        tags,
        params: ApiKeyParams,
        querystring: NoQuery,
        body: EmptyBody,
        response: {
          200: { ...ApiKey, description: 'The key, with `revoked_at` set.' },
          ...problemResponses(path('/api_keys/key_01jdq52a3b4c5d6e7f8g9h0j1k/revoke'), 'not_found'),
        },
      },
    },
    async (request) => apiKeys.revoke(principalOf(request).accountId, request.params.id),
  );
}
