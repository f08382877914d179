import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ApiError } from '../errors/api-error.js';
import { idPattern } from '../ids/ids.js';
import {
  changeTenantStatus,
  findTenant,
  notFoundTenant,
  TENANT_ACTIONS,
  type TenantAction,
} from './lifecycle.js';

export interface OperatorRouteOptions {
  /** OPERATOR_TOKEN: the operator credential; tenant keys and tokens never match it. */
  token: string;
}

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The operator API of the tenant lifecycle, the same operations as `npm run tenants`:
 * `GET /operator/tenants/{id}` and `POST /operator/tenants/{id}/{suspend|resume|delete}`. It sits
 * in a context of its own, outside the tenant-authenticated one, and accepts only
 * `Authorization: Bearer <OPERATOR_TOKEN>` (compared as SHA-256 digests in constant time), so no
 * tenant credential can reach it. Registered only when OPERATOR_TOKEN is set; not part of the
 * public OpenAPI contract (docs/operations.md "Tenant lifecycle").
 */
export async function registerOperatorRoutes(app: FastifyInstance, options: OperatorRouteOptions) {
  const expected = digest(options.token);
  await app.register(async (operator) => {
    operator.addHook('onRequest', async (request) => {
      const presented = /^Bearer[ ]+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
      if (presented === undefined || !timingSafeEqual(digest(presented), expected)) {
        request.log.info(
          { event: 'auth.failed', reason: 'operator' },
          'operator authentication failed',
        );
        throw new ApiError('unauthenticated', 'This operation requires the operator credential.', {
          headers: { 'www-authenticate': 'Bearer realm="steadfast-operator"' },
        });
      }
    });
    const params = Type.Object(
      { id: Type.String({ pattern: idPattern('acct') }) },
      { additionalProperties: false },
    );
    operator.get('/operator/tenants/:id', { schema: { hide: true, params } }, async (request) => {
      const { id } = request.params as { id: string };
      return (await findTenant(app.db.kysely, id)) ?? Promise.reject(notFoundTenant(id));
    });
    operator.post(
      '/operator/tenants/:id/:action',
      {
        schema: {
          hide: true,
          params: Type.Object(
            {
              id: params.properties.id,
              action: Type.Union(TENANT_ACTIONS.map((a) => Type.Literal(a))),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request) => {
        const { id, action } = request.params as { id: string; action: TenantAction };
        const tenant = await changeTenantStatus(app.db.kysely, app.invalidation, id, action);
        request.log.info(
          { event: 'tenant.status_changed', action, tenant: id, status: tenant.status },
          'tenant status changed',
        );
        return tenant;
      },
    );
  });
}
