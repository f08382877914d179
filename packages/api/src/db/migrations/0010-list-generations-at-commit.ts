import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';
import { LISTED_TABLES } from './0009-list-generations.js';

/**
 * PostgreSQL only: the list generation (migration 0009) moves at COMMIT, by deferred constraint
 * triggers, instead of at each statement. 0009's statement triggers locked the account's row in
 * the middle of a write transaction, so two transactions of one tenant could each hold a row the
 * other needed next: a payment (insert payment: account row; then update order: order row)
 * against a write that locked the order first. `npm run bench` on PostgreSQL found "deadlock
 * detected" (500) on POST /v1/payments, and writes of one busy tenant queued behind each other
 * for the whole transaction. Bumped at commit, the account row is the last lock a transaction
 * takes and it holds it only while committing, so no cycle can form through it; the bump is still
 * in the transaction, so a committed change never leaves a stale generation. A transaction bumps
 * each account once, however many rows it changed (a transaction-local marker).
 *
 * SQLite is unchanged: one writer at a time, so its row triggers cannot deadlock.
 */
export function listGenerationsAtCommit(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      if (dialect !== 'postgres') return;
      for (const table of LISTED_TABLES)
        for (const event of ['insert', 'update', 'delete'])
          await sql`DROP TRIGGER ${sql.raw(`${table}_list_generation_${event}`)} ON ${sql.table(table)}`.execute(
            db,
          );
      for (const event of ['insert', 'update', 'delete'])
        await sql`DROP FUNCTION ${sql.raw(`steadfast_bump_list_generation_${event}`)}()`.execute(
          db,
        );
      await sql`
        CREATE FUNCTION steadfast_bump_list_generation_at_commit() RETURNS trigger AS $$
        DECLARE
          account text := CASE WHEN TG_OP = 'DELETE' THEN OLD.account_id ELSE NEW.account_id END;
          marker text := 'steadfast.list_generation_' || md5(account);
        BEGIN
          IF current_setting(marker, true) = '1' THEN
            RETURN NULL;
          END IF;
          PERFORM set_config(marker, '1', true);
          UPDATE accounts SET list_generation = list_generation + 1 WHERE id = account;
          RETURN NULL;
        END
        $$ LANGUAGE plpgsql`.execute(db);
      for (const table of LISTED_TABLES)
        await sql`
          CREATE CONSTRAINT TRIGGER ${sql.raw(`${table}_list_generation_at_commit`)}
          AFTER INSERT OR UPDATE OR DELETE ON ${sql.table(table)}
          DEFERRABLE INITIALLY DEFERRED
          FOR EACH ROW EXECUTE FUNCTION steadfast_bump_list_generation_at_commit()`.execute(db);
    },
  };
}
