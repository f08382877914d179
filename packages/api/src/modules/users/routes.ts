import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { NoQuery } from '../../platform/validation/empty-inputs.js';
import { principalOf } from '../../platform/auth/authenticate.js';
import {
  IfMatchHeader,
  acceptedVersions,
  withoutVersion,
  versionEtag,
} from '../../platform/caching/conditional-requests.js';
import { problemResponses } from '../../platform/errors/problem-schema.js';
import { decodeCursor } from '../../platform/pagination/cursor.js';
import { DEFAULT_LIMIT, sendPage } from '../../platform/pagination/page.js';
import { idPattern } from '../../platform/ids/ids.js';
import {
  USER_EXAMPLE,
  CreateUserBody,
  ListUsersQuery,
  UpdateUserBody,
  User,
  UserList,
  UserParams,
} from './schemas.js';
import type { UsersService } from './service.js';

/** /v1/users: HTTP only. Validation, serialisation and the OpenAPI entries come from schemas.ts. */
export function registerUserRoutes(
  app: FastifyInstance,
  deps: { users: UsersService; publicBaseUrl: string },
) {
  const { users, publicBaseUrl } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['users'];

  r.post(
    '/v1/users',
    {
      config: { scope: 'users:write' },
      schema: {
        operationId: 'createUser',
        summary: 'Create a user',
        tags,
        body: CreateUserBody,
        response: {
          201: { ...User, description: 'The created user. `Location` and `ETag` headers are set.' },
          ...problemResponses(
            '/v1/users',
            'validation_failed',
            'malformed_json',
            'unauthenticated',
            'insufficient_scope',
            'email_taken',
            'payload_too_large',
            'unsupported_media_type',
          ),
        },
      },
    },
    async (request, reply) => {
      const locationOf = (id: string) => `${publicBaseUrl}/v1/users/${id}`;
      // The idempotency record commits in the same transaction as the user.
      const user = await users.create(
        principalOf(request).accountId,
        request.body,
        (trx, created) =>
          request.idempotency?.complete(trx, {
            status: 201,
            body: withoutVersion(created),
            headers: { location: locationOf(created.id), etag: versionEtag(created.version) },
          }) ?? Promise.resolve(),
      );
      return reply
        .code(201)
        .header('location', locationOf(user.id))
        .header('etag', versionEtag(user.version))
        .send(withoutVersion(user));
    },
  );

  r.get(
    '/v1/users',
    {
      config: { scope: 'users:read' },
      schema: {
        operationId: 'listUsers',
        summary: 'List users, newest first',
        description: 'Cursor-paginated; follow `next_cursor` or the `Link: rel="next"` header.',
        tags,
        querystring: ListUsersQuery,
        response: {
          200: {
            ...UserList,
            examples: [
              { object: 'list', data: [USER_EXAMPLE], has_more: false, next_cursor: null },
            ],
          },
          ...problemResponses(
            '/v1/users',
            'validation_failed',
            'invalid_cursor',
            'unauthenticated',
            'insufficient_scope',
          ),
        },
      },
    },
    async (request, reply) => {
      const { limit = DEFAULT_LIMIT, starting_after, email } = request.query;
      const afterId =
        starting_after === undefined ? undefined : decodeCursor(starting_after, idPattern('usr'));
      const page = await users.list(principalOf(request).accountId, { email, afterId, limit });
      return sendPage(request, reply, publicBaseUrl, page, withoutVersion);
    },
  );

  r.get(
    '/v1/users/:id',
    {
      config: { scope: 'users:read' },
      schema: {
        operationId: 'getUser',
        summary: 'Retrieve a user',
        tags,
        params: UserParams,
        querystring: NoQuery,
        response: {
          200: User,
          ...problemResponses(
            '/v1/users/usr_01jdq3z7x8k2m4n6p8r0s2t4v6',
            'validation_failed',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
          ),
        },
      },
    },
    async (request, reply) => {
      const user = await users.get(principalOf(request).accountId, request.params.id);
      return reply.header('etag', versionEtag(user.version)).send(withoutVersion(user));
    },
  );

  r.patch(
    '/v1/users/:id',
    {
      config: { scope: 'users:write' },
      schema: {
        operationId: 'updateUser',
        summary: 'Update a user',
        description:
          'Send `If-Match` with the ETag you read to avoid overwriting a concurrent change (412 if stale).',
        tags,
        params: UserParams,
        querystring: NoQuery,
        headers: IfMatchHeader,
        body: UpdateUserBody,
        response: {
          200: User,
          ...problemResponses(
            '/v1/users/usr_01jdq3z7x8k2m4n6p8r0s2t4v6',
            'validation_failed',
            'malformed_json',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
            'email_taken',
            'precondition_failed',
            'payload_too_large',
            'unsupported_media_type',
          ),
        },
      },
    },
    async (request, reply) => {
      const precondition = acceptedVersions(request.headers['if-match']);
      const user = await users.update(
        principalOf(request).accountId,
        request.params.id,
        request.body,
        precondition,
      );
      return reply.header('etag', versionEtag(user.version)).send(withoutVersion(user));
    },
  );

  r.delete(
    '/v1/users/:id',
    {
      config: { scope: 'users:write' },
      schema: {
        operationId: 'deleteUser',
        summary: 'Delete a user without orders',
        tags,
        params: UserParams,
        querystring: NoQuery,
        response: {
          204: { type: 'null', description: 'Deleted.' },
          ...problemResponses(
            '/v1/users/usr_01jdq3z7x8k2m4n6p8r0s2t4v6',
            'validation_failed',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
            'user_has_orders',
          ),
        },
      },
    },
    async (request, reply) => {
      await users.remove(principalOf(request).accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
