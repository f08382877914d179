import { Type, type Static } from 'typebox';
import { idPattern } from '../../platform/ids/ids.js';
import { Text } from '../../platform/validation/text.js';
import { ALL_EVENTS, EVENT_TYPES, EVENT_TYPE_NAMES } from './event-types.js';

export const EndpointId = Type.String({
  pattern: idPattern('we'),
  description: 'Webhook endpoint id (`we_…`).',
  examples: ['we_01jdq3z7x8k2m4n6p8r0s2t4v6'],
});
export const DeliveryId = Type.String({
  pattern: idPattern('whd'),
  description: 'Webhook delivery id (`whd_…`).',
  examples: ['whd_01jdq3z7x8k2m4n6p8r0s2t4v6'],
});
const Timestamp = Type.String({ format: 'date-time' });
const Url = Type.String({
  minLength: 8,
  maxLength: 2048,
  pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s]+$',
  description:
    'Where events are POSTed. `https` in production; it must resolve to public addresses only (no private, loopback, link-local or metadata addresses), checked at creation and at every delivery.',
  examples: ['https://example.com/webhooks/steadfast'],
});
const EventTypeName = Type.Union(
  [...EVENT_TYPE_NAMES, ALL_EVENTS].map((name) => Type.Literal(name)),
  {
    description: `An event type, or \`*\` for all. ${EVENT_TYPE_NAMES.map((n) => `\`${n}\`: ${EVENT_TYPES[n]}`).join(' ')}`,
  },
);
const EventTypes = Type.Array(EventTypeName, {
  minItems: 1,
  maxItems: EVENT_TYPE_NAMES.length + 1,
  uniqueItems: true,
});
/**
 * In responses an event type is a pattern, not the catalogue's enum: adding an event type later
 * must not widen a response enum (a breaking change for generated clients).
 */
const ListedEventType = Type.String({
  pattern: '^(\\*|[a-z_]+\\.[a-z_]+)$',
  maxLength: 64,
  description: 'An event type of the catalogue (docs/webhooks.md), or `*`.',
});
const Description = Text({ minLength: 1, maxLength: 500 });

export const ENDPOINT_EXAMPLE = {
  id: 'we_01jdq3z7x8k2m4n6p8r0s2t4v6',
  object: 'webhook_endpoint',
  url: 'https://example.com/webhooks/steadfast',
  description: 'Order fulfilment',
  event_types: ['order.created', 'payment.succeeded'],
  enabled: true,
  disabled_reason: null,
  created_at: '2026-11-25T10:00:00.000Z',
  updated_at: '2026-11-25T10:00:00.000Z',
};
const SECRET_EXAMPLE = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw7K1ShA5IeA8=';

const endpointFields = {
  id: EndpointId,
  object: Type.Literal('webhook_endpoint'),
  url: Url,
  description: Type.Union([Description, Type.Null()]),
  event_types: Type.Array(ListedEventType, { minItems: 1, maxItems: 100 }),
  enabled: Type.Boolean({
    description: 'Disabled endpoints receive nothing; their pending deliveries wait.',
  }),
  disabled_reason: Type.Union(
    [Type.String({ maxLength: 200, pattern: '^[^\\u0000]*$' }), Type.Null()],
    {
      description: 'Set when the endpoint was disabled automatically after failing repeatedly.',
    },
  ),
  created_at: Timestamp,
  updated_at: Timestamp,
};

export const WebhookEndpoint = Type.Object(endpointFields, {
  additionalProperties: false,
  examples: [ENDPOINT_EXAMPLE],
});
export type EndpointView = Static<typeof WebhookEndpoint>;

export const WebhookEndpointWithSecret = Type.Object(
  {
    ...endpointFields,
    secret: Type.String({
      pattern: '^whsec_[A-Za-z0-9+/=]+$',
      maxLength: 64,
      description:
        'The signing secret (Standard Webhooks). Shown only in this response: store it now.',
    }),
  },
  { additionalProperties: false, examples: [{ ...ENDPOINT_EXAMPLE, secret: SECRET_EXAMPLE }] },
);

export const CreateEndpointBody = Type.Object(
  {
    url: Url,
    event_types: EventTypes,
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean()),
  },
  {
    additionalProperties: false,
    examples: [
      {
        url: 'https://example.com/webhooks/steadfast',
        event_types: ['order.created', 'payment.succeeded'],
        description: 'Order fulfilment',
      },
    ],
  },
);
export type CreateEndpointInput = Static<typeof CreateEndpointBody>;

export const UpdateEndpointBody = Type.Object(
  {
    url: Type.Optional(Url),
    event_types: Type.Optional(EventTypes),
    description: Type.Optional(Type.Union([Description, Type.Null()])),
    enabled: Type.Optional(
      Type.Boolean({ description: 'Enabling an endpoint also clears its failure count.' }),
    ),
  },
  { additionalProperties: false, minProperties: 1, examples: [{ enabled: true }] },
);
export type UpdateEndpointInput = Static<typeof UpdateEndpointBody>;

export const EndpointParams = Type.Object({ id: EndpointId }, { additionalProperties: false });
export const DeliveryParams = Type.Object(
  { id: EndpointId, delivery_id: DeliveryId },
  { additionalProperties: false },
);

export const DELIVERY_EXAMPLE = {
  id: 'whd_01jdq3z7x8k2m4n6p8r0s2t4v6',
  object: 'webhook_delivery',
  endpoint_id: 'we_01jdq3z7x8k2m4n6p8r0s2t4v6',
  event_id: 'evt_01jdq3z7x8k2m4n6p8r0s2t4v6',
  event_type: 'order.created',
  status: 'pending',
  attempts: 2,
  next_attempt_at: '2026-11-25T10:01:00.000Z',
  last_attempt_at: '2026-11-25T10:00:30.000Z',
  last_response_status: 503,
  last_error: null,
  last_duration_ms: 42,
  created_at: '2026-11-25T10:00:00.000Z',
};

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const WebhookDelivery = Type.Object(
  {
    id: DeliveryId,
    object: Type.Literal('webhook_delivery'),
    endpoint_id: EndpointId,
    event_id: Type.String({
      pattern: idPattern('evt'),
      description: 'Also sent as `webhook-id`, the same on every retry.',
    }),
    event_type: ListedEventType,
    status: Type.Union(
      [Type.Literal('pending'), Type.Literal('succeeded'), Type.Literal('failed')],
      {
        description: '`failed` once every attempt of the retry schedule failed.',
      },
    ),
    attempts: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
    next_attempt_at: Nullable(
      Type.String({ format: 'date-time', description: 'Next retry, while pending.' }),
    ),
    last_attempt_at: Nullable(Timestamp),
    last_response_status: Nullable(
      Type.Integer({ minimum: 100, maximum: 599, description: 'HTTP status of the last attempt.' }),
    ),
    last_error: Nullable(
      Type.String({
        maxLength: 500,
        pattern: '^[^\\u0000]*$',
        description:
          'Why the last attempt failed (HTTP status, timeout, connection error, URL refused).',
      }),
    ),
    last_duration_ms: Nullable(Type.Integer({ minimum: 0, maximum: 3_600_000 })),
    created_at: Timestamp,
  },
  { additionalProperties: false, examples: [DELIVERY_EXAMPLE] },
);
export type DeliveryView = Static<typeof WebhookDelivery>;

/** How many attempts a delivery shows, newest first: a whole retry schedule at its longest. */
export const ATTEMPT_HISTORY_LIMIT = 50;

const ATTEMPT_EXAMPLES = [
  {
    attempt: 2,
    started_at: '2026-11-25T10:00:30.000Z',
    duration_ms: 42,
    response_status: 503,
    error: 'HTTP 503',
    outcome: 'retried',
    next_attempt_at: '2026-11-25T10:01:00.000Z',
  },
  {
    attempt: 1,
    started_at: '2026-11-25T10:00:00.000Z',
    duration_ms: 10_000,
    response_status: null,
    error: 'timed out after 10000 ms',
    outcome: 'retried',
    next_attempt_at: '2026-11-25T10:00:30.000Z',
  },
];

export const WebhookDeliveryAttempt = Type.Object(
  {
    attempt: Type.Integer({ minimum: 1, maximum: 1_000_000, description: '1 for the first.' }),
    started_at: Timestamp,
    duration_ms: Type.Integer({ minimum: 0, maximum: 3_600_000 }),
    response_status: Nullable(
      Type.Integer({
        minimum: 100,
        maximum: 599,
        description: "The receiver's HTTP status; null when no response came.",
      }),
    ),
    error: Nullable(
      Type.String({
        maxLength: 500,
        pattern: '^[^\\u0000]*$',
        description:
          'Why the attempt failed (HTTP status, timeout, connection error, URL refused); never the response body.',
      }),
    ),
    outcome: Type.Union(
      [Type.Literal('succeeded'), Type.Literal('retried'), Type.Literal('failed')],
      { description: '`retried`: a retry was scheduled; `failed`: it was the last attempt.' },
    ),
    next_attempt_at: Nullable(
      Type.String({
        format: 'date-time',
        description: 'When the retry this attempt scheduled was due (`retried` only).',
      }),
    ),
  },
  { additionalProperties: false, examples: [ATTEMPT_EXAMPLES[0]] },
);
export type AttemptView = Static<typeof WebhookDeliveryAttempt>;

export const WebhookDeliveryWithAttempts = Type.Object(
  {
    ...WebhookDelivery.properties,
    attempt_history: Type.Array(WebhookDeliveryAttempt, {
      maxItems: ATTEMPT_HISTORY_LIMIT,
      description: `Each attempt, newest first (the last ${ATTEMPT_HISTORY_LIMIT}; \`attempts\` counts them all).`,
    }),
  },
  {
    additionalProperties: false,
    examples: [{ ...DELIVERY_EXAMPLE, last_error: 'HTTP 503', attempt_history: ATTEMPT_EXAMPLES }],
  },
);
export type DeliveryWithAttemptsView = Static<typeof WebhookDeliveryWithAttempts>;
