import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/**
 * Tenants can be suspended and (softly) deleted: `status` is `active`, `suspended` or `deleted`;
 * `deleted_at` starts the retention period (docs/operations.md "Tenant lifecycle"). Rows are kept,
 * so a request in flight when its tenant is deleted never meets a missing foreign key.
 */
export function accountLifecycle(dialect: Dialect) {
  const timestamp = dialect === 'postgres' ? 'timestamptz' : 'text';
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('accounts')
        .addColumn('status', 'text', (c) =>
          c
            .notNull()
            .defaultTo(sql.lit('active'))
            .check(sql`status in ('active', 'suspended', 'deleted')`),
        )
        .execute();
      await db.schema.alterTable('accounts').addColumn('status_changed_at', timestamp).execute();
      await db.schema.alterTable('accounts').addColumn('deleted_at', timestamp).execute();
    },
  };
}
