import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { principalOf } from '../../platform/auth/authenticate.js';
import { problemResponses } from '../../platform/errors/problem-schema.js';
import { idPattern } from '../../platform/ids/ids.js';
import { sendPage } from '../../platform/pagination/page.js';
import { NoQuery } from '../../platform/validation/empty-inputs.js';
import {
  API_VERSIONS,
  versionedPath,
  type ApiVersion,
} from '../../platform/versioning/api-version.js';
import { listFormat } from '../../platform/versioning/list-format.js';
import {
  ATTEMPT_HISTORY_LIMIT,
  CreateEndpointBody,
  DELIVERY_EXAMPLE,
  DeliveryParams,
  ENDPOINT_EXAMPLE,
  EndpointParams,
  UpdateEndpointBody,
  WebhookDelivery,
  WebhookDeliveryWithAttempts,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from './schemas.js';
import type { WebhooksService } from './service.js';

interface Deps {
  webhooks: WebhooksService;
  publicBaseUrl: string;
}

/** /v{n}/webhook_endpoints: subscriptions, secret rotation and the delivery log (docs/webhooks.md). */
export function registerWebhookRoutes(app: FastifyInstance, deps: Deps) {
  for (const version of API_VERSIONS) registerVersion(app, version, deps);
}

const same = <T>(value: T) => value;

function registerVersion(app: FastifyInstance, version: ApiVersion, deps: Deps) {
  const { webhooks, publicBaseUrl } = deps;
  const r = app.withTypeProvider<TypeBoxTypeProvider>();
  const tags = ['webhooks'];
  const path = (route: string) => versionedPath(version, route);
  const list = listFormat(version);
  const read = { scope: 'webhooks:read' as const };
  const write = { scope: 'webhooks:write' as const };
  const examplePath = path(`/webhook_endpoints/${ENDPOINT_EXAMPLE.id}`);
  const exampleDelivery = `${examplePath}/deliveries/${DELIVERY_EXAMPLE.id}`;

  r.post(
    path('/webhook_endpoints'),
    {
      config: write,
      schema: {
        operationId: 'createWebhookEndpoint',
        summary: 'Subscribe a URL to events',
        description:
          'The answer holds the signing secret (`whsec_…`), shown only here. The URL is resolved and refused (400) if it is not https (in production) or reaches a private, loopback, link-local or metadata address.',
        tags,
        body: CreateEndpointBody,
        response: {
          201: {
            ...WebhookEndpointWithSecret,
            description: 'The created endpoint with its secret. `Location` is set.',
          },
          ...problemResponses(path('/webhook_endpoints')),
        },
      },
    },
    async (request, reply) => {
      const created = await webhooks.create(principalOf(request).accountId, request.body);
      return reply
        .code(201)
        .header('location', `${publicBaseUrl}${path('/webhook_endpoints')}/${created.id}`)
        .header('cache-control', 'no-store')
        .send(created);
    },
  );

  r.get(
    path('/webhook_endpoints'),
    {
      config: read,
      schema: {
        operationId: 'listWebhookEndpoints',
        summary: 'List webhook endpoints, newest first',
        tags,
        querystring: list.query({}),
        response: {
          200: {
            ...list.schema(WebhookEndpoint),
            examples: [list.envelope([ENDPOINT_EXAMPLE], false, null)],
          },
          ...problemResponses(path('/webhook_endpoints'), 'invalid_cursor'),
        },
      },
    },
    async (request, reply) => {
      const { limit, afterId } = list.pageOf(request, idPattern('we'));
      const page = await webhooks.list(principalOf(request).accountId, { afterId, limit });
      return sendPage(request, reply, publicBaseUrl, page, same, list);
    },
  );

  r.get(
    path('/webhook_endpoints/:id'),
    {
      config: read,
      schema: {
        operationId: 'getWebhookEndpoint',
        summary: 'Retrieve a webhook endpoint',
        tags,
        params: EndpointParams,
        querystring: NoQuery,
        response: { 200: WebhookEndpoint, ...problemResponses(examplePath, 'not_found') },
      },
    },
    async (request) => webhooks.get(principalOf(request).accountId, request.params.id),
  );

  r.patch(
    path('/webhook_endpoints/:id'),
    {
      config: write,
      schema: {
        operationId: 'updateWebhookEndpoint',
        summary: 'Change or re-enable a webhook endpoint',
        tags,
        params: EndpointParams,
        querystring: NoQuery,
        body: UpdateEndpointBody,
        response: { 200: WebhookEndpoint, ...problemResponses(examplePath, 'not_found') },
      },
    },
    async (request) =>
      webhooks.update(principalOf(request).accountId, request.params.id, request.body),
  );

  r.delete(
    path('/webhook_endpoints/:id'),
    {
      config: write,
      schema: {
        operationId: 'deleteWebhookEndpoint',
        summary: 'Delete a webhook endpoint and its pending deliveries',
        tags,
        params: EndpointParams,
        querystring: NoQuery,
        response: {
          204: { type: 'null', description: 'Deleted.' },
          ...problemResponses(examplePath, 'not_found'),
        },
      },
    },
    async (request, reply) => {
      await webhooks.remove(principalOf(request).accountId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.post(
    path('/webhook_endpoints/:id/rotate_secret'),
    {
      config: write,
      schema: {
        operationId: 'rotateWebhookEndpointSecret',
        summary: 'Rotate the signing secret',
        description:
          'Returns the new secret, shown only here. Deliveries carry signatures with both the new and the previous secret for `WEBHOOK_SECRET_OVERLAP_SECONDS` (24 h by default), so receivers can switch without losing any.',
        tags,
        params: EndpointParams,
        querystring: NoQuery,
        response: {
          200: WebhookEndpointWithSecret,
          ...problemResponses(`${examplePath}/rotate_secret`, 'not_found'),
        },
      },
    },
    async (request, reply) =>
      reply
        .header('cache-control', 'no-store')
        .send(await webhooks.rotateSecret(principalOf(request).accountId, request.params.id)),
  );

  r.get(
    path('/webhook_endpoints/:id/deliveries'),
    {
      config: read,
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: 'The delivery log of an endpoint, newest first',
        description:
          'One entry per event sent to the endpoint, with its attempt count and the outcome of its last attempt (status code, error, duration) and, while pending, the next retry. Each attempt is in the delivery (`GET …/deliveries/{delivery_id}`).',
        tags,
        params: EndpointParams,
        querystring: list.query({}),
        response: {
          200: {
            ...list.schema(WebhookDelivery),
            examples: [list.envelope([DELIVERY_EXAMPLE], false, null)],
          },
          ...problemResponses(`${examplePath}/deliveries`, 'not_found', 'invalid_cursor'),
        },
      },
    },
    async (request, reply) => {
      const { limit, afterId } = list.pageOf(request, idPattern('whd'));
      const page = await webhooks.listDeliveries(
        principalOf(request).accountId,
        request.params.id,
        { afterId, limit },
      );
      return sendPage(request, reply, publicBaseUrl, page, same, list);
    },
  );

  r.get(
    path('/webhook_endpoints/:id/deliveries/:delivery_id'),
    {
      config: read,
      schema: {
        operationId: 'getWebhookDelivery',
        summary: 'Retrieve a delivery with its attempts',
        description: `The delivery and, in \`attempt_history\`, each attempt newest first (the last ${ATTEMPT_HISTORY_LIMIT}): when it started, how long it took, the receiver's status code or the error, and the retry it scheduled.`,
        tags,
        params: DeliveryParams,
        querystring: NoQuery,
        response: {
          200: WebhookDeliveryWithAttempts,
          ...problemResponses(exampleDelivery, 'not_found'),
        },
      },
    },
    async (request) =>
      webhooks.getDelivery(
        principalOf(request).accountId,
        request.params.id,
        request.params.delivery_id,
      ),
  );

  r.post(
    path('/webhook_endpoints/:id/deliveries/:delivery_id/retry'),
    {
      config: write,
      schema: {
        operationId: 'retryWebhookDelivery',
        summary: 'Send a delivery again now',
        description:
          'Makes the delivery due now, whatever its status, with the same `webhook-id`. While a worker is attempting it, nothing changes.',
        tags,
        params: DeliveryParams,
        querystring: NoQuery,
        response: {
          202: { ...WebhookDelivery, description: 'The delivery, due now.' },
          ...problemResponses(`${exampleDelivery}/retry`, 'not_found'),
        },
      },
    },
    async (request, reply) =>
      reply
        .code(202)
        .send(
          await webhooks.retryDelivery(
            principalOf(request).accountId,
            request.params.id,
            request.params.delivery_id,
          ),
        ),
  );
}
