import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * One row per delivery attempt, for the delivery log (docs/webhooks.md "Delivery log"): when it
 * started, how long it took, the receiver's status code or the error, and how it ended. The rows
 * go with their delivery (`on delete cascade`), so the delivery's retention is theirs.
 */
export function webhookDeliveryAttempts(dialect: Dialect) {
  const timestamp = sql.raw(dialect === 'postgres' ? 'timestamptz' : 'text');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('webhook_delivery_attempts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('delivery_id', 'text', (c) =>
          c.notNull().references('webhook_deliveries.id').onDelete('cascade'),
        )
        /** 1 for the first attempt; the delivery's `attempts` count when it was made. */
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('started_at', timestamp, (c) => c.notNull())
        .addColumn('duration_ms', 'integer', (c) => c.notNull())
        .addColumn('response_status', 'integer')
        .addColumn('error', 'text')
        .addColumn('outcome', 'text', (c) =>
          c.notNull().check(sql`outcome in ('succeeded', 'retried', 'failed')`),
        )
        /** When the next attempt is due, if this one scheduled a retry. */
        .addColumn('next_attempt_at', timestamp)
        .execute();
      // The delivery's attempts, newest first.
      await db.schema
        .createIndex('webhook_delivery_attempts_delivery_idx')
        .on('webhook_delivery_attempts')
        .columns(['delivery_id', 'attempt'])
        .execute();
    },
  };
}
