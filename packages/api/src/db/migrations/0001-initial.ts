import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/** Accounts, API keys, users, orders and their items; indexes serve every list and lookup path. */
export function initial(dialect: Dialect) {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  const bigint = dialect === 'postgres' ? 'bigint' : 'integer';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('accounts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', sql.raw(timestamp), (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('lookup', 'text', (c) => c.notNull().unique())
        .addColumn('secret_hash', 'text', (c) => c.notNull())
        .addColumn('mode', 'text', (c) => c.notNull().check(sql`mode in ('live', 'test')`))
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', sql.raw(timestamp), (c) => c.notNull())
        .addColumn('expires_at', sql.raw(timestamp))
        .addColumn('revoked_at', sql.raw(timestamp))
        .addColumn('last_used_at', sql.raw(timestamp))
        .execute();
      await db.schema
        .createIndex('api_keys_account_idx')
        .on('api_keys')
        .columns(['account_id', 'id'])
        .execute();

      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('email_normalized', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('created_at', sql.raw(timestamp), (c) => c.notNull())
        .addColumn('updated_at', sql.raw(timestamp), (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .createIndex('users_account_email_uq')
        .on('users')
        .columns(['account_id', 'email_normalized'])
        .unique()
        .execute();
      await db.schema
        .createIndex('users_account_idx')
        .on('users')
        .columns(['account_id', 'id'])
        .execute();

      await db.schema
        .createTable('orders')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('total_amount', sql.raw(bigint), (c) => c.notNull())
        .addColumn('created_at', sql.raw(timestamp), (c) => c.notNull())
        .addColumn('updated_at', sql.raw(timestamp), (c) => c.notNull())
        .addColumn('canceled_at', sql.raw(timestamp))
        .addColumn('version', 'integer', (c) => c.notNull().defaultTo(1))
        .execute();
      await db.schema
        .createIndex('orders_account_idx')
        .on('orders')
        .columns(['account_id', 'id'])
        .execute();
      await db.schema
        .createIndex('orders_account_user_idx')
        .on('orders')
        .columns(['account_id', 'user_id', 'id'])
        .execute();
      await db.schema
        .createIndex('orders_account_status_idx')
        .on('orders')
        .columns(['account_id', 'status', 'id'])
        .execute();

      await db.schema
        .createTable('order_items')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
        .addColumn('order_id', 'text', (c) => c.notNull().references('orders.id'))
        .addColumn('position', 'integer', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('sku', 'text')
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_amount', sql.raw(bigint), (c) => c.notNull())
        .addColumn('amount', sql.raw(bigint), (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('order_items_order_idx')
        .on('order_items')
        .columns(['order_id', 'position'])
        .unique()
        .execute();
    },
  };
}
