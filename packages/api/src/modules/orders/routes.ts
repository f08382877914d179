import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { EmptyBody, NoQuery } from '../../platform/validation/empty-inputs.js';
import { principalOf } from '../../platform/auth/authenticate.js';
import {
  IfMatchHeader,
  acceptedVersions,
  withoutVersion,
  versionEtag,
} from '../../platform/caching/conditional-requests.js';
import { problemResponses } from '../../platform/errors/problem-schema.js';
import { idPattern } from '../../platform/ids/ids.js';
import { decodeCursor } from '../../platform/pagination/cursor.js';
import { DEFAULT_LIMIT, sendPage } from '../../platform/pagination/page.js';
import {
  ORDER_EXAMPLE,
  CreateOrderBody,
  ListOrdersQuery,
  Order,
  OrderList,
  OrderParams,
} from './schemas.js';
import type { OrdersService } from './service.js';

const EXAMPLE_PATH = '/v1/orders/ord_01jdq41m2n3p4q5r6s7t8v9w0x';

/** /v1/orders: HTTP only. */
export function registerOrderRoutes(
  app: FastifyInstance,
  deps: { orders: OrdersService; publicBaseUrl: string },
) {
  const { orders, publicBaseUrl } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['orders'];

  r.post(
    '/v1/orders',
    {
      config: { scope: 'orders:write' },
      schema: {
        operationId: 'createOrder',
        summary: 'Create an order',
        description: 'The server computes item amounts and the total; clients never send them.',
        tags,
        body: CreateOrderBody,
        response: {
          201: { ...Order, description: 'The created order, in status `pending_payment`.' },
          ...problemResponses(
            '/v1/orders',
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
      const locationOf = (id: string) => `${publicBaseUrl}/v1/orders/${id}`;
      // The idempotency record commits in the same transaction as the order.
      const order = await orders.create(
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
        .header('location', locationOf(order.id))
        .header('etag', versionEtag(order.version))
        .send(withoutVersion(order));
    },
  );

  r.get(
    '/v1/orders',
    {
      config: { scope: 'orders:read' },
      schema: {
        operationId: 'listOrders',
        summary: 'List orders with their items, newest first',
        tags,
        querystring: ListOrdersQuery,
        response: {
          200: {
            ...OrderList,
            examples: [
              { object: 'list', data: [ORDER_EXAMPLE], has_more: false, next_cursor: null },
            ],
          },
          ...problemResponses(
            '/v1/orders',
            'validation_failed',
            'invalid_cursor',
            'unauthenticated',
            'insufficient_scope',
          ),
        },
      },
    },
    async (request, reply) => {
      const { limit = DEFAULT_LIMIT, starting_after, user_id, status } = request.query;
      const afterId =
        starting_after === undefined ? undefined : decodeCursor(starting_after, idPattern('ord'));
      const page = await orders.list(principalOf(request).accountId, {
        userId: user_id,
        status,
        afterId,
        limit,
      });
      return sendPage(request, reply, publicBaseUrl, page, withoutVersion);
    },
  );

  r.get(
    '/v1/orders/:id',
    {
      config: { scope: 'orders:read' },
      schema: {
        operationId: 'getOrder',
        summary: 'Retrieve an order with its items',
        tags,
        params: OrderParams,
        querystring: NoQuery,
        response: {
          200: Order,
          ...problemResponses(
            EXAMPLE_PATH,
            'validation_failed',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
          ),
        },
      },
    },
    async (request, reply) => {
      const order = await orders.get(principalOf(request).accountId, request.params.id);
      return reply.header('etag', versionEtag(order.version)).send(withoutVersion(order));
    },
  );

  r.post(
    '/v1/orders/:id/cancel',
    {
      config: { scope: 'orders:write' },
      schema: {
        operationId: 'cancelOrder',
        summary: 'Cancel a pending order',
        description:
          'Send `If-Match` with the ETag you read to cancel only the version you saw (412 if stale).',
        tags,
        params: OrderParams,
        querystring: NoQuery,
        headers: IfMatchHeader,
        body: EmptyBody,
        response: {
          200: { ...Order, description: 'The order, now `canceled`.' },
          ...problemResponses(
            EXAMPLE_PATH + '/cancel',
            'validation_failed',
            'malformed_json',
            'payload_too_large',
            'unsupported_media_type',
            'unauthenticated',
            'insufficient_scope',
            'not_found',
            'order_not_cancelable',
            'precondition_failed',
          ),
        },
      },
    },
    async (request, reply) => {
      const order = await orders.cancel(
        principalOf(request).accountId,
        request.params.id,
        acceptedVersions(request.headers['if-match']),
      );
      return reply.header('etag', versionEtag(order.version)).send(withoutVersion(order));
    },
  );
}
