import type { ColumnType, Generated } from 'kysely';

/** Timestamps are `timestamptz` on PostgreSQL and ISO-8601 UTC text on SQLite; read both. */
export type Timestamp = ColumnType<Date | string, string, string>;
/** Money and counts that can exceed 2^31 are `bigint` on PostgreSQL; parsed to number on read. */
export type BigInteger = ColumnType<number, number, number>;

export interface AccountsTable {
  id: string;
  name: string;
  created_at: Timestamp;
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
  status: 'pending_payment' | 'canceled' | 'paid' | 'refunded';
  total_amount: BigInteger;
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

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  users: UsersTable;
  orders: OrdersTable;
  order_items: OrderItemsTable;
}
