/**
 * The one catalogue of event types a webhook endpoint can subscribe to (docs/webhooks.md lists
 * them with example payloads). Each is written to `events` in the transaction of the change it
 * reports. `data` is the resource as the API returns it, after the change.
 */
export const EVENT_TYPES = {
  'order.created': 'An order was created (status `pending_payment`).',
  'order.canceled': 'A pending order was canceled.',
  'payment.created': 'A payment was accepted and is `processing`.',
  'payment.succeeded': 'A payment succeeded; the order amounts include it.',
  'payment.failed': 'A payment was declined or failed.',
  'payment.requires_reconciliation':
    'The processor outcome of a payment is unknown; reconciliation will settle it.',
  'refund.created': 'A refund was requested and is `pending`.',
  'refund.succeeded': 'A refund succeeded.',
  'refund.failed': 'A refund failed.',
  'refund.requires_reconciliation':
    'The processor outcome of a refund is unknown; reconciliation will settle it.',
  'webhook_endpoint.disabled':
    'One of your webhook endpoints was disabled after failing repeatedly; `data` is the endpoint.',
} as const;

export type EventType = keyof typeof EVENT_TYPES;

export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];

/** Subscribing to `*` means every type, including types added later. */
export const ALL_EVENTS = '*';

/** Whether an endpoint subscribed to `subscribed` wants an event of `type`. */
export function wants(subscribed: readonly string[], type: string): boolean {
  return subscribed.includes(ALL_EVENTS) || subscribed.includes(type);
}
