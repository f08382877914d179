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
import { createdResponse, sendRecorded } from '../../platform/idempotency/recorded-response.js';
import { idPattern } from '../../platform/ids/ids.js';
import { sendPage } from '../../platform/pagination/page.js';
import {
  API_VERSIONS,
  versionedPath,
  type ApiVersion,
} from '../../platform/versioning/api-version.js';
import { listFormat } from '../../platform/versioning/list-format.js';
import { ORDER_EXAMPLE, OrderFilters, OrderParams, type OrderView } from './schemas.js';
import type { Order, OrdersService } from './service.js';
import { createOrderRequest, orderRepresentation } from './versions/index.js';

interface Deps {
  orders: OrdersService;
  publicBaseUrl: string;
}

/** /v{n}/orders: HTTP only, written once and served in every API version. */
export function registerOrderRoutes(app: FastifyInstance, deps: Deps) {
  for (const version of API_VERSIONS) registerVersion(app, version, deps);
}

function registerVersion(app: FastifyInstance, version: ApiVersion, deps: Deps) {
  const { orders, publicBaseUrl } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['orders'];
  const path = (route: string) => versionedPath(version, route);
  const list = listFormat(version);
  const OrderShape = orderRepresentation.schema(version);
  const present = (order: Order) => orderRepresentation.present(version, withoutVersion(order));
  // A cache hit of GET /orders/{id} returns the same order object until the order changes
  // (resource-cache.ts: never mutated), so its representation is built once per object. Only
  // there: list rows and written orders are fresh objects that would never be found again.
  const presented = new WeakMap<Order, unknown>();
  const presentCached = (order: Order) => {
    let view = presented.get(order);
    if (view === undefined) {
      view = present(order);
      presented.set(order, view);
    }
    return view;
  };
  const example = orderRepresentation.present(version, ORDER_EXAMPLE as OrderView);
  const examplePath = path('/orders/ord_01jdq41m2n3p4q5r6s7t8v9w0x');

  r.post(
    path('/orders'),
    {
      config: { scope: 'orders:write' },
      schema: {
        operationId: 'createOrder',
        summary: 'Create an order',
        description:
          'The server computes item amounts and the total; clients never send them. The total must be at least 1 minor unit: an order whose items all cost 0 is refused with `400 validation_failed` at `/items` (it could never be paid).',
        tags,
        body: createOrderRequest.schema(version),
        response: {
          201: { ...OrderShape, description: 'The created order, in status `pending_payment`.' },
          ...problemResponses(path('/orders')),
        },
      },
    },
    async (request, reply) => {
      const response = (order: Order) =>
        createdResponse(
          `${publicBaseUrl}${path('/orders')}/${order.id}`,
          order.version,
          present(order),
        );
      const input = createOrderRequest.accept(version, request.body);
      // The idempotency record commits in the same transaction as the order.
      const order = await createOrderRequest.translateErrors(version, request.body, () =>
        orders.create(
          principalOf(request).accountId,
          input,
          (trx, created) =>
            request.idempotency?.complete(trx, response(created)) ?? Promise.resolve(),
        ),
      );
      return sendRecorded(reply, response(order));
    },
  );

  r.get(
    path('/orders'),
    {
      config: { scope: 'orders:read', listCache: true },
      schema: {
        operationId: 'listOrders',
        summary: 'List orders with their items, newest first',
        tags,
        querystring: list.query(OrderFilters),
        response: {
          200: { ...list.schema(OrderShape), examples: [list.envelope([example], false, null)] },
          ...problemResponses(path('/orders'), 'invalid_cursor'),
        },
      },
    },
    async (request, reply) => {
      const { limit, afterId } = list.pageOf(request, idPattern('ord'));
      const { user_id, status } = request.query;
      const page = await orders.list(principalOf(request).accountId, {
        userId: user_id,
        status,
        afterId,
        limit,
      });
      return sendPage(request, reply, publicBaseUrl, page, present, list);
    },
  );

  r.get(
    path('/orders/:id'),
    {
      config: { scope: 'orders:read' },
      schema: {
        operationId: 'getOrder',
        summary: 'Retrieve an order with its items',
        tags,
        params: OrderParams,
        querystring: NoQuery,
        response: {
          200: OrderShape,
          ...problemResponses(examplePath, 'not_found'),
        },
      },
    },
    async (request, reply) => {
      const order = await orders.get(principalOf(request).accountId, request.params.id);
      return reply.header('etag', versionEtag(order.version)).send(presentCached(order));
    },
  );

  r.post(
    path('/orders/:id/cancel'),
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
          200: { ...OrderShape, description: 'The order, now `canceled`.' },
          ...problemResponses(
            examplePath + '/cancel',
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
      return reply.header('etag', versionEtag(order.version)).send(present(order));
    },
  );
}
