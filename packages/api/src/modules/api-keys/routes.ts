import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { principalOf } from '../../platform/auth/authenticate.js';
import { problemResponses } from '../../platform/errors/problem-schema.js';
import { idPattern } from '../../platform/ids/ids.js';
import { decodeCursor } from '../../platform/pagination/cursor.js';
import { DEFAULT_LIMIT, sendPage } from '../../platform/pagination/page.js';
import { EmptyBody, NoQuery } from '../../platform/validation/empty-inputs.js';
import {
  API_KEY_EXAMPLE,
  ApiKey,
  ApiKeyList,
  ApiKeyParams,
  CreateApiKeyBody,
  CreatedApiKey,
  ListApiKeysQuery,
} from './schemas.js';
import type { ApiKeysService } from './service.js';

const EXAMPLE_PATH = '/v1/api_keys/key_01jdq52a3b4c5d6e7f8g9h0j1k/revoke';

/** /v1/api_keys: HTTP only. All three operations need `api_keys:manage`. */
export function registerApiKeyRoutes(
  app: FastifyInstance,
  deps: { apiKeys: ApiKeysService; publicBaseUrl: string },
) {
  const { apiKeys, publicBaseUrl } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['api_keys'];
  const config = { scope: 'api_keys:manage' as const };

  r.post(
    '/v1/api_keys',
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
          ...problemResponses(
            '/v1/api_keys',
            'validation_failed',
            'malformed_json',
            'unauthenticated',
            'insufficient_scope',
            'payload_too_large',
            'unsupported_media_type',
          ),
        },
      },
    },
    async (request, reply) => {
      const created = await apiKeys.create(principalOf(request), request.body);
      return reply
        .code(201)
        .header('location', `${publicBaseUrl}/v1/api_keys/${created.id}`)
        .send(created);
    },
  );

  r.get(
    '/v1/api_keys',
    {
      config,
      schema: {
        operationId: 'listApiKeys',
        summary: 'List API keys, newest first (never their secrets)',
        tags,
        querystring: ListApiKeysQuery,
        response: {
          200: {
            ...ApiKeyList,
            examples: [
              { object: 'list', data: [API_KEY_EXAMPLE], has_more: false, next_cursor: null },
            ],
          },
          ...problemResponses(
            '/v1/api_keys',
            'validation_failed',
            'invalid_cursor',
            'unauthenticated',
            'insufficient_scope',
          ),
        },
      },
    },
    async (request, reply) => {
      const { limit = DEFAULT_LIMIT, starting_after } = request.query;
      const afterId =
        starting_after === undefined ? undefined : decodeCursor(starting_after, idPattern('key'));
      const page = await apiKeys.list(principalOf(request).accountId, { afterId, limit });
      return sendPage(request, reply, publicBaseUrl, page, (key) => key);
    },
  );

  r.post(
    '/v1/api_keys/:id/revoke',
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
          ...problemResponses(
            EXAMPLE_PATH,
            'validation_failed',
            'malformed_json',
            'payload_too_large',
            'unsupported_media_type',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
          ),
        },
      },
    },
    async (request) => apiKeys.revoke(principalOf(request).accountId, request.params.id),
  );
}
