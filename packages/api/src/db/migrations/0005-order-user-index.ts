import type { Kysely } from 'kysely';

/**
 * Deleting a user makes the database check that no order references it (the orders.user_id
 * foreign key): `WHERE user_id = $1`, which (account_id, user_id, id) cannot serve. Without this
 * index every DELETE /v1/users/{id} scanned the whole orders table (found by the 1M-order EXPLAIN
 * test, issue 6).
 */
export function orderUserIndex() {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('orders_user_idx').on('orders').column('user_id').execute();
    },
  };
}
