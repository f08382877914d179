import type { ColumnType, Generated } from 'kysely';

/** Timestamps are `timestamptz` on PostgreSQL and ISO-8601 UTC text on SQLite; read both. */
export type Timestamp = ColumnType<Date | string, string, string>;
/** Money and counts that can exceed 2^31 are `bigint` on PostgreSQL; parsed to number on read. */
export type BigInteger = ColumnType<number, number, number>;

export type AccountStatus = 'active' | 'suspended' | 'deleted';

export interface AccountsTable {
  id: string;
  name: string;
  created_at: Timestamp;
  /** `active` unless an operator suspended or deleted the tenant (docs/operations.md). */
  status: ColumnType<AccountStatus, AccountStatus | undefined, AccountStatus>;
  status_changed_at: ColumnType<Date | string | null, string | null | undefined, string | null>;
  /** When the tenant was deleted: the start of its retention period. */
  deleted_at: ColumnType<Date | string | null, string | null | undefined, string | null>;
  /** Migration 0009's list generation, superseded by `list_generations` (0010); no longer moved. */
  list_generation: ColumnType<number | string, never, never>;
}

/**
 * An account's list generation is the sum of its rows here, moved by triggers in the same
 * transaction as every change to a listed row (migration 0010); never written by code.
 */
export interface ListGenerationsTable {
  account_id: string;
  slot: number;
  generation: ColumnType<number | string, never, never>;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  /** Public, unique part of the key used to find the row without scanning hashes. */
  lookup: string;
  /** SHA-256 of the whole key; keys are 190+ bits of entropy, so a slow hash buys nothing. */
  secret_hash: string;
  mode: 'live' | 'test';
  name: string;
  /** Space-separated scopes (platform/auth/scopes.ts). */
  scopes: Generated<string>;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface UsersTable {
  id: string;
  account_id: string;
  email: string;
  /** Lower-cased email: uniqueness per account is case-insensitive on both databases. */
  email_normalized: string;
  name: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  version: Generated<number>;
}

export interface OrdersTable {
  id: string;
  account_id: string;
  user_id: string;
  currency: string;
  status: 'pending_payment' | 'canceled' | 'paid' | 'partially_refunded' | 'refunded';
  total_amount: BigInteger;
  /** Sum of payments that are processing, awaiting reconciliation or succeeded: what is spoken for. */
  amount_committed: Generated<number>;
  /** Sum of succeeded payments. */
  amount_paid: Generated<number>;
  /** Sum of succeeded refunds. */
  amount_refunded: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
  canceled_at: Timestamp | null;
  version: Generated<number>;
}

export interface OrderItemsTable {
  id: string;
  account_id: string;
  order_id: string;
  position: number;
  name: string;
  sku: string | null;
  quantity: number;
  unit_amount: BigInteger;
  amount: BigInteger;
}

export type PaymentStatus = 'processing' | 'succeeded' | 'failed' | 'requires_reconciliation';

export interface PaymentsTable {
  id: string;
  account_id: string;
  order_id: string;
  amount: BigInteger;
  currency: string;
  status: PaymentStatus;
  payment_method: string;
  decline_code: string | null;
  processor_charge_id: string | null;
  /** Refunds that succeeded, and refunds in flight (reserved so concurrent refunds cannot exceed). */
  amount_refunded: Generated<number>;
  amount_refund_pending: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type RefundStatus = 'pending' | 'succeeded' | 'failed' | 'requires_reconciliation';

export interface RefundsTable {
  id: string;
  account_id: string;
  payment_id: string;
  amount: BigInteger;
  status: RefundStatus;
  processor_refund_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** Append-only record of every payment and refund state change (audit, later webhooks). */
export interface EventsTable {
  id: string;
  account_id: string;
  type: string;
  resource_id: string;
  /** JSON snapshot of the resource after the change. */
  data: string;
  created_at: Timestamp;
}

/** One Idempotency-Key of one account: the request it stood for and, once done, its response. */
export interface IdempotencyKeysTable {
  id: string;
  account_id: string;
  key: string;
  /** SHA-256 of method, path and canonical body: the same key with another request is a 422. */
  request_fingerprint: string;
  request_method: string;
  request_path: string;
  status: 'in_flight' | 'completed';
  /** Last persisted phase of a multi-step request ('started' until the first advance). */
  recovery_point: Generated<string>;
  resource_id: string | null;
  /** When the executing request took the key; null once released for a retry to resume. */
  locked_at: Timestamp | null;
  response_status: number | null;
  /** JSON object of the response headers worth replaying (location, etag, content-type). */
  response_headers: string | null;
  response_body: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

/** A tenant's webhook subscription (docs/webhooks.md). */
export interface WebhookEndpointsTable {
  id: string;
  account_id: string;
  url: string;
  description: string | null;
  /** JSON array of subscribed event types. */
  event_types: string;
  /** 1 or 0 (SQLite binds no booleans). */
  enabled: number;
  disabled_reason: string | null;
  /** `whsec_…`: needed in clear to sign, so never logged nor returned after creation/rotation. */
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Timestamp | null;
  consecutive_failures: Generated<number>;
  last_failure_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type WebhookDeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One event to one endpoint: the unit the worker claims, attempts and retries. */
export interface WebhookDeliveriesTable {
  id: string;
  account_id: string;
  endpoint_id: string;
  event_id: string;
  status: WebhookDeliveryStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  claimed_by: string | null;
  last_attempt_at: Timestamp | null;
  last_response_status: number | null;
  last_error: string | null;
  last_duration_ms: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export type WebhookAttemptOutcome = 'succeeded' | 'retried' | 'failed';

/** One attempt of a delivery: the delivery log's history (docs/webhooks.md). */
export interface WebhookDeliveryAttemptsTable {
  id: string;
  account_id: string;
  delivery_id: string;
  /** 1 for the first attempt. */
  attempt: number;
  started_at: Timestamp;
  duration_ms: number;
  response_status: number | null;
  /** Bounded, never the response body nor a secret. */
  error: string | null;
  outcome: WebhookAttemptOutcome;
  next_attempt_at: Timestamp | null;
}

export interface Database {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  payments: PaymentsTable;
  refunds: RefundsTable;
  events: EventsTable;
  accounts: AccountsTable;
  list_generations: ListGenerationsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
  idempotency_keys: IdempotencyKeysTable;
}
