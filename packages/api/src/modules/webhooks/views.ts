import { toIso } from '../../db/timestamps.js';
import type { AttemptRow, DeliveryLogRow, EndpointRow } from './repository.js';
import type { AttemptView, DeliveryView, EndpointView } from './schemas.js';

/** The endpoint as the API shows it: never its secrets. */
export function endpointView(row: EndpointRow): EndpointView {
  return {
    id: row.id,
    object: 'webhook_endpoint',
    url: row.url,
    description: row.description,
    event_types: JSON.parse(row.event_types) as EndpointView['event_types'],
    enabled: Number(row.enabled) === 1,
    disabled_reason: row.disabled_reason,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
  };
}

/** One delivery and its last attempt, for the delivery log. */
export function deliveryView(row: DeliveryLogRow): DeliveryView {
  const iso = (value: Date | string | null) => (value === null ? null : toIso(value));
  return {
    id: row.id,
    object: 'webhook_delivery',
    endpoint_id: row.endpoint_id,
    event_id: row.event_id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? iso(row.next_attempt_at) : null,
    last_attempt_at: iso(row.last_attempt_at),
    last_response_status: row.last_response_status,
    last_error: row.last_error,
    last_duration_ms: row.last_duration_ms,
    created_at: toIso(row.created_at),
  };
}

/** One attempt of a delivery, for its history. */
export function attemptView(row: AttemptRow): AttemptView {
  return {
    attempt: row.attempt,
    started_at: toIso(row.started_at),
    duration_ms: row.duration_ms,
    response_status: row.response_status,
    error: row.error,
    outcome: row.outcome,
    next_attempt_at: row.next_attempt_at === null ? null : toIso(row.next_attempt_at),
  };
}
