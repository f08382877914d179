import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Webhook subscriptions and their delivery queue (docs/webhooks.md). One delivery row per event ×
 * endpoint, written in the transaction of the event (the outbox), so nothing committed is missed
 * and nothing rolled back is sent. The worker's claim reads `(status, next_attempt_at)`.
 */
export function webhooks(dialect: Dialect) {
  const timestamp = sql.raw(dialect === 'postgres' ? 'timestamptz' : 'text');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('webhook_endpoints')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        /** JSON array of event types (modules/webhooks/event-types.ts). */
        .addColumn('event_types', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull()) // 1/0: SQLite binds no booleans
        .addColumn('disabled_reason', 'text')
        .addColumn('secret', 'text', (c) => c.notNull())
        /** The secret before the last rotation, still signing until `previous_secret_expires_at`. */
        .addColumn('previous_secret', 'text')
        .addColumn('previous_secret_expires_at', timestamp)
        .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_failure_at', timestamp)
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('webhook_endpoints_account_idx')
        .on('webhook_endpoints')
        .columns(['account_id', 'id'])
        .execute();

      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('endpoint_id', 'text', (c) =>
          c.notNull().references('webhook_endpoints.id').onDelete('cascade'),
        )
        .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
        .addColumn('status', 'text', (c) =>
          c.notNull().check(sql`status in ('pending', 'succeeded', 'failed')`),
        )
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        /** When due; while claimed, the end of the claim's lease (a crashed worker's claim expires). */
        .addColumn('next_attempt_at', timestamp, (c) => c.notNull())
        .addColumn('claimed_by', 'text')
        .addColumn('last_attempt_at', timestamp)
        .addColumn('last_response_status', 'integer')
        .addColumn('last_error', 'text')
        .addColumn('last_duration_ms', 'integer')
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .addUniqueConstraint('webhook_deliveries_event_endpoint_key', ['event_id', 'endpoint_id'])
        .execute();
      // The worker's claim: due pending deliveries, oldest first.
      await db.schema
        .createIndex('webhook_deliveries_due_idx')
        .on('webhook_deliveries')
        .columns(['status', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('webhook_deliveries_endpoint_idx')
        .on('webhook_deliveries')
        .columns(['account_id', 'endpoint_id', 'id'])
        .execute();
    },
  };
}
