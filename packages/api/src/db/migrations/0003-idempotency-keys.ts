import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Idempotency records (platform/idempotency). The unique (account_id, key) constraint is what
 * makes a key exactly-once across instances: the first INSERT wins, every other one conflicts.
 */
export function idempotencyKeys(dialect: Dialect) {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('idempotency_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_fingerprint', 'text', (c) => c.notNull())
        .addColumn('request_method', 'text', (c) => c.notNull())
        .addColumn('request_path', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('in_flight', 'completed')`),
        )
        .addColumn('recovery_point', 'text', (c) => c.notNull().defaultTo('started'))
        .addColumn('resource_id', 'text')
        .addColumn('locked_at', sql.raw(timestamp))
        .addColumn('response_status', 'integer')
        .addColumn('response_headers', 'text')
        .addColumn('response_body', 'text')
        .addColumn('created_at', sql.raw(timestamp), (c) => c.notNull())
        .addColumn('expires_at', sql.raw(timestamp), (c) => c.notNull())
        .addUniqueConstraint('idempotency_keys_account_key_uq', ['account_id', 'key'])
        .execute();
      await db.schema
        .createIndex('idempotency_keys_expires_idx')
        .on('idempotency_keys')
        .column('expires_at')
        .execute();
    },
  };
}
