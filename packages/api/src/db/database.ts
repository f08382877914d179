import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql, type LogEvent } from 'kysely';
import pg from 'pg';
import type { Database } from './schema.js';
import { isPostgresUrl } from './url.js';

export { isPostgresUrl };

export type Dialect = 'sqlite' | 'postgres';

/** The database handle the app receives: Kysely plus what the platform needs around it. */
export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** Cheap round trip used by readiness. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DbOptions {
  url: string;
  poolMax: number;
  statementTimeoutMs: number;
  /** Called once per executed query; tests count queries per request with it. */
  onQuery?: (event: LogEvent) => void;
}

const INT8_OID = 20;

/** bigint money columns: validation bounds every value far below 2^53, so a number is exact. */
function int8AsNumber(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => Number(value));
  return types;
}

function postgres(options: DbOptions): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.statementTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
    application_name: 'steadfast-api',
    types: int8AsNumber(),
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: options.onQuery });
}

function sqlite(options: DbOptions): Kysely<Database> {
  const file = options.url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file, { timeout: options.statementTimeoutMs });
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }), log: options.onQuery });
}

/** Opens PostgreSQL for a postgres:// URL, otherwise a SQLite file (WAL, foreign keys, busy timeout). */
export function openDatabase(options: DbOptions): Db {
  const dialect: Dialect = isPostgresUrl(options.url) ? 'postgres' : 'sqlite';
  const kysely = dialect === 'postgres' ? postgres(options) : sqlite(options);
  return {
    kysely,
    dialect,
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      await kysely.destroy();
    },
  };
}
