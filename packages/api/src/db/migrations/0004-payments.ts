import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Payments, refunds and the append-only event log, plus the running totals on orders that let
 * every money transition be a single guarded UPDATE (no read-modify-write races).
 */
export function payments(dialect: Dialect) {
  const timestamp = sql.raw(dialect === 'postgres' ? 'timestamptz' : 'text');
  const bigint = sql.raw(dialect === 'postgres' ? 'bigint' : 'integer');
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      for (const column of ['amount_committed', 'amount_paid', 'amount_refunded']) {
        await db.schema
          .alterTable('orders')
          .addColumn(column, bigint, (c) => c.notNull().defaultTo(0))
          .execute();
      }

      await db.schema
        .createTable('payments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
        .addColumn('amount', bigint, (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('payment_method', 'text', (c) => c.notNull())
        .addColumn('decline_code', 'text')
        .addColumn('processor_charge_id', 'text')
        .addColumn('amount_refunded', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('amount_refund_pending', bigint, (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('payments_account_idx')
        .on('payments')
        .columns(['account_id', 'id'])
        .execute();
      await db.schema
        .createIndex('payments_account_order_idx')
        .on('payments')
        .columns(['account_id', 'order_id', 'id'])
        .execute();
      await db.schema
        .createIndex('payments_account_status_idx')
        .on('payments')
        .columns(['account_id', 'status', 'id'])
        .execute();
      // Reconciliation scans unresolved payments across tenants, oldest first.
      await db.schema
        .createIndex('payments_status_updated_idx')
        .on('payments')
        .columns(['status', 'updated_at'])
        .execute();

      await db.schema
        .createTable('refunds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('payment_id', 'text', (c) => c.notNull().references('payments.id'))
        .addColumn('amount', bigint, (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('processor_refund_id', 'text')
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .addColumn('updated_at', timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('refunds_account_payment_idx')
        .on('refunds')
        .columns(['account_id', 'payment_id', 'id'])
        .execute();
      await db.schema
        .createIndex('refunds_status_updated_idx')
        .on('refunds')
        .columns(['status', 'updated_at'])
        .execute();

      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', timestamp, (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('events_account_idx')
        .on('events')
        .columns(['account_id', 'id'])
        .execute();
      await db.schema
        .createIndex('events_resource_idx')
        .on('events')
        .columns(['resource_id', 'id'])
        .execute();
    },
  };
}
