import { Type, type TSchema } from 'typebox';
import { idPattern } from '../../platform/ids/ids.js';
import type { PathItem } from '../../platform/openapi/document-types.js';
import { Order, ORDER_EXAMPLE } from '../orders/schemas.js';
import { Payment, PAYMENT_EXAMPLE, Refund, REFUND_EXAMPLE } from '../payments/schemas.js';
import { EVENT_TYPES, EVENT_TYPE_NAMES, type EventType } from './event-types.js';
import { ENDPOINT_EXAMPLE, WebhookEndpoint } from './schemas.js';

/** The resource an event type reports on: the part before the dot (`payment.succeeded` → `payment`). */
type ResourceOf<T> = T extends `${infer Resource}.${string}` ? Resource : never;
type EventResource = ResourceOf<EventType>;

/** What happened to the resource: the part after the dot (`payment.succeeded` → `succeeded`). */
const actionOf = (type: EventType) => type.slice(type.indexOf('.') + 1);

/**
 * What `data` holds for each resource: its `/v1` representation (the one the outbox stores) and
 * an example of it after each action. Keyed by the catalogue's resources, so an event type on a
 * new resource does not compile until its payload is described here.
 */
const EVENT_DATA: Record<EventResource, { schema: TSchema; example: (action: string) => object }> =
  {
    order: {
      schema: Order,
      example: (action) =>
        action === 'canceled'
          ? { ...ORDER_EXAMPLE, status: 'canceled', canceled_at: '2026-11-25T10:06:01.000Z' }
          : ORDER_EXAMPLE,
    },
    payment: {
      schema: Payment,
      example: (action) => ({
        ...PAYMENT_EXAMPLE,
        status: action === 'created' ? 'processing' : action,
        decline_code: action === 'failed' ? 'card_declined' : null,
      }),
    },
    refund: {
      schema: Refund,
      example: (action) => ({
        ...REFUND_EXAMPLE,
        status: action === 'created' ? 'pending' : action,
      }),
    },
    webhook_endpoint: {
      schema: WebhookEndpoint,
      example: () => ({
        ...ENDPOINT_EXAMPLE,
        enabled: false,
        disabled_reason: 'Disabled automatically after 50 consecutive failed attempts.',
      }),
    },
  };

const resourceOf = (type: EventType) => type.slice(0, type.indexOf('.')) as EventResource;

/** The event envelope a receiver gets for `type`, with `data` the resource after the change. */
export function eventEnvelope(type: EventType) {
  return Type.Object(
    {
      id: Type.String({
        pattern: idPattern('evt'),
        description: 'The event id; also the `webhook-id` header, the same on every retry.',
      }),
      object: Type.Literal('event'),
      type: Type.Literal(type),
      created_at: Type.String({
        format: 'date-time',
        description: 'When the change happened (not when this attempt was sent).',
      }),
      data: EVENT_DATA[resourceOf(type)].schema,
    },
    { additionalProperties: false },
  );
}

/** Plain JSON of a TypeBox schema (its symbol-keyed metadata dropped), for the document. */
const plain = (schema: TSchema): Record<string, unknown> =>
  JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;

const SIGNATURE_HEADERS = {
  'webhook-id': {
    required: true,
    description:
      'The event id (`evt_…`), the same on every retry of this event to this endpoint: deduplicate on it.',
    schema: { type: 'string', pattern: idPattern('evt') },
  },
  'webhook-timestamp': {
    required: true,
    description:
      'Seconds since the epoch when this attempt was signed; refuse it when far from your clock (5 minutes in the Standard Webhooks libraries).',
    schema: { type: 'string', pattern: '^[0-9]{1,12}$' },
  },
  'webhook-signature': {
    required: true,
    description:
      '`v1,<base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}">` keyed with the endpoint secret (the bytes after `whsec_`, base64-decoded); during a secret rotation two, space-separated, either of which verifies.',
    schema: {
      type: 'string',
      maxLength: 200,
      pattern: '^v1,[A-Za-z0-9+/=]{44}( v1,[A-Za-z0-9+/=]{44})?$',
    },
  },
};

/** A webhook's name in the document: `order.created` → `orderCreated`. */
const operationName = (type: EventType) =>
  type.replace(/[._]([a-z])/g, (_, letter: string) => letter.toUpperCase());

/**
 * The OpenAPI 3.1 `webhooks` section: for each event type of the catalogue, the POST an endpoint
 * subscribed to it receives (body, signature headers) and the answer expected of it.
 */
export function webhookOperations(): Record<string, PathItem> {
  const operations: Record<string, PathItem> = {};
  for (const type of EVENT_TYPE_NAMES) {
    const example = {
      id: 'evt_01jdq3z7x8k2m4n6p8r0s2t4v6',
      object: 'event',
      type,
      created_at: '2026-11-25T10:06:01.000Z',
      data: EVENT_DATA[resourceOf(type)].example(actionOf(type)),
    };
    operations[type] = {
      post: {
        operationId: `${operationName(type)}Webhook`,
        summary: `\`${type}\` sent to your endpoint`,
        description: `${EVENT_TYPES[type]} Sent to every enabled endpoint subscribed to \`${type}\` or \`*\`, signed per Standard Webhooks (docs/webhooks.md). \`data\` is the resource after the change as \`/v1\` represents it, whichever version created the endpoint.`,
        tags: ['webhooks'],
        // Your endpoint authenticates us by the signature, not by a credential of ours.
        security: [],
        parameters: Object.entries(SIGNATURE_HEADERS).map(([name, header]) => ({
          in: 'header',
          name,
          ...header,
        })),
        requestBody: {
          required: true,
          content: { 'application/json': { schema: plain(eventEnvelope(type)), example } },
        },
        responses: {
          '2XX': {
            description:
              'Any 2xx within `WEBHOOK_TIMEOUT_MS` (10 s) acknowledges the event; answer first, work afterwards. Only the first 4 KiB of the answer are read.',
          },
          default: {
            description:
              'Anything else (a 3xx too: redirects are not followed), or no answer in time, is a failed attempt, retried with backoff; a 429 or 503 with `Retry-After` is retried no sooner than it says.',
          },
        },
      },
    };
  }
  return operations;
}
