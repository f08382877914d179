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
import { createdResponse, sendRecorded } from '../../platform/idempotency/recorded-response.js';
import { sendPage } from '../../platform/pagination/page.js';
import { idPattern } from '../../platform/ids/ids.js';
import {
  API_VERSIONS,
  versionedPath,
  type ApiVersion,
} from '../../platform/versioning/api-version.js';
import { listFormat } from '../../platform/versioning/list-format.js';
import {
  USER_EXAMPLE,
  CreateUserBody,
  UpdateUserBody,
  User,
  UserFilters,
  UserParams,
} from './schemas.js';
import type { User as UserRecord, UsersService } from './service.js';

interface Deps {
  users: UsersService;
  publicBaseUrl: string;
}

/**
 * /v{n}/users: HTTP only, written once and served in every API version (users changed only in
 * the list format so far). Validation, serialisation and the OpenAPI entries come from schemas.ts.
 */
export function registerUserRoutes(app: FastifyInstance, deps: Deps) {
  for (const version of API_VERSIONS) registerVersion(app, version, deps);
}

function registerVersion(app: FastifyInstance, version: ApiVersion, deps: Deps) {
  const { users, publicBaseUrl } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['users'];
  const path = (route: string) => versionedPath(version, route);
  const list = listFormat(version);
  const examplePath = path('/users/usr_01jdq3z7x8k2m4n6p8r0s2t4v6');

  r.post(
    path('/users'),
    {
      config: { scope: 'users:write' },
      schema: {
        operationId: 'createUser',
        summary: 'Create a user',
        tags,
        body: CreateUserBody,
        response: {
          201: { ...User, description: 'The created user. `Location` and `ETag` headers are set.' },
          ...problemResponses(path('/users'), 'email_taken'),
        },
      },
    },
    async (request, reply) => {
      const response = (user: UserRecord) =>
        createdResponse(
          `${publicBaseUrl}${path('/users')}/${user.id}`,
          user.version,
          withoutVersion(user),
        );
      // The idempotency record commits in the same transaction as the user.
      const user = await users.create(
        principalOf(request).accountId,
        request.body,
        (trx, created) =>
          request.idempotency?.complete(trx, response(created)) ?? Promise.resolve(),
      );
      return sendRecorded(reply, response(user));
    },
  );

  r.get(
    path('/users'),
    {
      config: { scope: 'users:read', listCache: true },
      schema: {
        operationId: 'listUsers',
        summary: 'List users, newest first',
        description: 'Cursor-paginated; follow `next_cursor` or the `Link: rel="next"` header.',
        tags,
        querystring: list.query(UserFilters),
        response: {
          200: {
            ...list.schema(User),
            examples: [list.envelope([USER_EXAMPLE], false, null)],
          },
          ...problemResponses(path('/users'), 'invalid_cursor'),
        },
      },
    },
    async (request, reply) => {
      const { limit, afterId } = list.pageOf(request, idPattern('usr'));
      const { email } = request.query;
      const page = await users.list(principalOf(request).accountId, { email, afterId, limit });
      return sendPage(request, reply, publicBaseUrl, page, withoutVersion, list);
    },
  );

  r.get(
    path('/users/:id'),
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
          ...problemResponses(examplePath, 'not_found'),
        },
      },
    },
    async (request, reply) => {
      const user = await users.get(principalOf(request).accountId, request.params.id);
      return reply.header('etag', versionEtag(user.version)).send(withoutVersion(user));
    },
  );

  r.patch(
    path('/users/:id'),
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
          ...problemResponses(examplePath, 'not_found', 'email_taken', 'precondition_failed'),
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
    path('/users/:id'),
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
          ...problemResponses(examplePath, 'not_found', 'user_has_orders'),
        },
      },
    },
    async (request, reply) => {
      await users.remove(principalOf(request).accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );
}
