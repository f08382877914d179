/**
 * SQLite with stable query plans: every bound parameter is compiled as `likely(?)` instead of `?`.
 *
 * Why by hand: SQLite 3.54 (as better-sqlite3 13 builds it) re-prepares a statement on each
 * execution when its plan looked at a bound value (`account_id = ? ORDER BY id`, `LIMIT ?`, an
 * `IN (?, …)` list): binding new values expires the statement, so a cached prepared statement is
 * parsed and planned again every time, and better-sqlite3 compiles a new row constructor
 * (`Function(...)`) for it. In a CPU profile of `GET /v1/orders?limit=20` without the list cache
 * that was ~44 µs per request in row constructors alone (bench/RESULTS.md, issue 19). The fix
 * SQLite offers is its query-planner stability guarantee (`SQLITE_DBCONFIG_ENABLE_QPSG`), which
 * better-sqlite3 does not expose. `likely(X)` returns X unchanged and is removed by the code
 * generator, but it hides the parameter from the planner, which is what the guarantee does: the
 * plans stay the ones the indexes were designed for (test/db/stable-plans.test.ts compares the
 * list's plans with and without it), and a prepared statement is prepared once.
 *
 * What the planner no longer does with a value it cannot see: the index prefix optimisation of
 * `LIKE ?`, matching a partial index against a bound value, per-value STAT4 estimates after
 * ANALYZE, rewriting `IN (?)` as `= ?`, and the compact coding of multi-row VALUES (prepared once
 * per row count, run at the same speed). The app uses none of the first three on SQLite. Query
 * logs and trace spans show `likely(?)` where other dialects show `?`.
 */
import { SqliteDialect, SqliteQueryCompiler, type QueryCompiler } from 'kysely';

class StablePlanQueryCompiler extends SqliteQueryCompiler {
  protected override getCurrentParameterPlaceholder(): string {
    return 'likely(?)';
  }
}

/** Kysely's SQLite dialect whose parameters never make SQLite re-plan a prepared statement. */
export class StablePlanSqliteDialect extends SqliteDialect {
  override createQueryCompiler(): QueryCompiler {
    return new StablePlanQueryCompiler();
  }
}
