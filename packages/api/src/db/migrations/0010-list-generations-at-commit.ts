import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../database.js';

/** Rows a PostgreSQL account's generation is spread over (see below). */
export const LIST_GENERATION_SLOTS = 16;

/** 0009's tables, frozen here: a later change to that list must not change what this migration does. */
const LISTED_TABLES = ['users', 'orders', 'order_items', 'payments', 'refunds'] as const;

/**
 * The list generation (0009) becomes the sum of `list_generations` rows, moved at COMMIT on
 * PostgreSQL. 0009 moved one counter, `accounts.list_generation`, from statement triggers in the
 * middle of each write transaction. `npm run bench` on PostgreSQL found two faults in that:
 *
 * - Deadlocks: a transaction held the account's row from its first listed write on, and another
 *   that had locked an order first then waited for it, while the first waited for the order
 *   ("deadlock detected", 500 on POST /v1/payments). Bumped by deferred constraint triggers, the
 *   counter is the last lock a transaction takes, so no cycle forms through it.
 * - One queue per tenant: every write of a tenant held that one row until its commit was flushed,
 *   so they committed one after another (POST /v1/orders on PostgreSQL, one busy tenant: 112
 *   req/s with the server idle half the time). A transaction now bumps one of
 *   LIST_GENERATION_SLOTS rows at random, so a tenant's concurrent commits rarely wait on each
 *   other (315 req/s, the server busy; bench/RESULTS.md).
 *
 * Every committed change to a listed row still adds 1 to some slot in its own transaction, so the
 * sum, read in one snapshot, moves with every commit and never goes back: the list cache's key.
 * A transaction bumps once per account, however many rows it changed: the accounts it bumped are
 * listed in one transaction-local setting (one setting, not one per account: PostgreSQL keeps
 * every custom setting a connection ever used, and walks them all at each commit). SQLite keeps
 * row triggers on slot 0: one writer at a time, so nothing to spread.
 *
 * Upgrading: code from before 0010 reads `accounts.list_generation`, which stops moving here, so an
 * instance still running it would serve list pages cached before later writes. Stop those
 * instances (or run them with LIST_CACHE_MAX_BYTES=0) before migrating, and never run such code
 * on a migrated database with its list cache on (docs/operations.md).
 */
export function listGenerationsAtCommit(dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('list_generations')
        .addColumn('account_id', 'text', (c) => c.notNull())
        .addColumn('slot', 'integer', (c) => c.notNull())
        .addColumn('generation', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('list_generations_pk', ['account_id', 'slot'])
        .execute();
      // Carried over, so no account's generation goes back.
      await sql`INSERT INTO list_generations (account_id, slot, generation)
        SELECT id, 0, list_generation FROM accounts`.execute(db);
      for (const table of LISTED_TABLES)
        for (const event of ['insert', 'update', 'delete'])
          await sql`DROP TRIGGER ${sql.raw(`${table}_list_generation_${event}`)}${sql.raw(
            dialect === 'postgres' ? ` ON ${table}` : '',
          )}`.execute(db);
      if (dialect === 'postgres') await atCommitOnPostgres(db);
      else await rowTriggersOnSqlite(db);
    },
  };
}

async function atCommitOnPostgres(db: Kysely<unknown>): Promise<void> {
  for (const event of ['insert', 'update', 'delete'])
    await sql`DROP FUNCTION ${sql.raw(`steadfast_bump_list_generation_${event}`)}()`.execute(db);
  await sql`
    CREATE FUNCTION steadfast_bump_list_generation_at_commit() RETURNS trigger AS $$
    DECLARE
      account text := CASE WHEN TG_OP = 'DELETE' THEN OLD.account_id ELSE NEW.account_id END;
      bumped text := coalesce(current_setting('steadfast.list_generation_bumped', true), '');
    BEGIN
      IF position(',' || account || ',' IN bumped) > 0 THEN
        RETURN NULL;
      END IF;
      PERFORM set_config(
        'steadfast.list_generation_bumped',
        CASE WHEN bumped = '' THEN ',' ELSE bumped END || account || ',',
        true
      );
      INSERT INTO list_generations (account_id, slot, generation)
        VALUES (account, floor(random() * ${sql.lit(LIST_GENERATION_SLOTS)})::integer, 1)
        ON CONFLICT (account_id, slot)
        DO UPDATE SET generation = list_generations.generation + 1;
      RETURN NULL;
    END
    $$ LANGUAGE plpgsql`.execute(db);
  for (const table of LISTED_TABLES)
    await sql`
      CREATE CONSTRAINT TRIGGER ${sql.raw(`${table}_list_generation_at_commit`)}
      AFTER INSERT OR UPDATE OR DELETE ON ${sql.table(table)}
      DEFERRABLE INITIALLY DEFERRED
      FOR EACH ROW EXECUTE FUNCTION steadfast_bump_list_generation_at_commit()`.execute(db);
}

async function rowTriggersOnSqlite(db: Kysely<unknown>): Promise<void> {
  for (const table of LISTED_TABLES)
    for (const [event, row] of [
      ['INSERT', 'NEW'],
      ['UPDATE', 'NEW'],
      ['DELETE', 'OLD'],
    ] as const)
      await sql`
        CREATE TRIGGER ${sql.raw(`${table}_list_generation_${event.toLowerCase()}`)}
        AFTER ${sql.raw(event)} ON ${sql.table(table)}
        BEGIN
          INSERT OR IGNORE INTO list_generations (account_id, slot, generation)
            VALUES (${sql.raw(row)}.account_id, 0, 0);
          UPDATE list_generations SET generation = generation + 1
            WHERE account_id = ${sql.raw(row)}.account_id AND slot = 0;
        END`.execute(db);
}
