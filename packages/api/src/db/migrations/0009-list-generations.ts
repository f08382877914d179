import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/** The tables whose rows appear in a cached list (users, orders with items, payments, refunds). */
export const LISTED_TABLES = ['users', 'orders', 'order_items', 'payments', 'refunds'] as const;

/**
 * `accounts.list_generation`: a number the database itself moves, in the same transaction, on
 * every insert, update and delete of a row any list shows (issue 19). A list page cached for
 * (account, generation, URL) is therefore never served after a committed change, on this instance
 * or another: the list cache (platform/caching/list-cache.ts) reads the generation first, then
 * the cache. Triggers rather than application code, so no write path, present or future, can
 * forget it. The names interpolated below come from the constant list above, never from input.
 */
export function listGenerations(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .alterTable('accounts')
        .addColumn('list_generation', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      if (dialect === 'postgres') {
        // Once per statement, for the accounts its rows belong to: an order's items are one
        // insert, and a bulk load moves each account's generation once, not once per row.
        // PostgreSQL allows a transition table only on a single-event trigger: three per table.
        for (const [event, rows] of [
          ['INSERT', 'NEW'],
          ['UPDATE', 'NEW'],
          ['DELETE', 'OLD'],
        ] as const) {
          const name = `steadfast_bump_list_generation_${event.toLowerCase()}`;
          await sql`
            CREATE FUNCTION ${sql.raw(name)}() RETURNS trigger AS $$
            BEGIN
              UPDATE accounts SET list_generation = list_generation + 1
                WHERE id IN (SELECT DISTINCT account_id FROM changed_rows);
              RETURN NULL;
            END
            $$ LANGUAGE plpgsql`.execute(db);
          for (const table of LISTED_TABLES) {
            await sql`
              CREATE TRIGGER ${sql.raw(`${table}_list_generation_${event.toLowerCase()}`)}
              AFTER ${sql.raw(event)} ON ${sql.table(table)}
              REFERENCING ${sql.raw(rows)} TABLE AS changed_rows
              FOR EACH STATEMENT EXECUTE FUNCTION ${sql.raw(name)}()`.execute(db);
          }
        }
        return;
      }
      for (const table of LISTED_TABLES) {
        for (const [event, row] of [
          ['INSERT', 'NEW'],
          ['UPDATE', 'NEW'],
          ['DELETE', 'OLD'],
        ] as const) {
          await sql`
            CREATE TRIGGER ${sql.raw(`${table}_list_generation_${event.toLowerCase()}`)}
            AFTER ${sql.raw(event)} ON ${sql.table(table)}
            BEGIN
              UPDATE accounts SET list_generation = list_generation + 1
                WHERE id = ${sql.raw(row)}.account_id;
            END`.execute(db);
        }
      }
    },
  };
}
