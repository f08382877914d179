import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, sql, type LogEvent } from 'kysely';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import type { Database } from './schema.js';
import { StablePlanSqliteDialect } from './stable-plan-sqlite.js';
import { isPostgresUrl } from './url.js';

export { isPostgresUrl };

export type Dialect = 'sqlite' | 'postgres';

/** The database handle the app receives: Kysely plus what the platform needs around it. */
export interface Db {
  kysely: Kysely<Database>;
  dialect: Dialect;
  /** Cheap round trip used by readiness. */
  ping(): Promise<void>;
  /** Adds a listener for every executed query (metrics, tracing); returns its removal. */
  observeQueries(listener: (event: LogEvent) => void): () => void;
  /** PostgreSQL pool counts; undefined on SQLite, which has one connection and no pool. */
  poolStats(): { total: number; idle: number; waiting: number; max: number } | undefined;
  close(): Promise<void>;
}

export interface DbOptions {
  url: string;
  poolMax: number;
  statementTimeoutMs: number;
  /** Called once per executed query; tests count queries per request with it. */
  onQuery?: (event: LogEvent) => void;
  /** Told when an idle PostgreSQL connection dies (server restart, failover); the pool replaces it. */
  onConnectionLost?: (error: Error) => void;
}

const INT8_OID = 20;

/** bigint money columns: validation bounds every value far below 2^53, so a number is exact. */
function int8AsNumber(): pg.TypeOverrides {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, (value: string) => Number(value));
  return types;
}

type QueryLog = (event: LogEvent) => void;

function postgres(options: DbOptions, log: QueryLog): { kysely: Kysely<Database>; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolMax,
    connectionTimeoutMillis: options.statementTimeoutMs,
    statement_timeout: options.statementTimeoutMs,
    idle_in_transaction_session_timeout: options.statementTimeoutMs * 2,
    application_name: 'steadfast-api',
    types: int8AsNumber(),
  });
  // A connection terminated under a client (a PostgreSQL restart, an operator's
  // pg_terminate_backend) makes the client emit 'error', and an 'error' nobody listens to is
  // thrown: the process dies. The pool listens only while a client is idle (and then re-emits it
  // on the pool), so a client checked out by a transaction, between two statements, killed an
  // instance in the load-balancer suite. Every client gets its own listener for as long as it
  // lives; a checked-out one's next statement fails and its request is refused as usual.
  pool.on('connect', (client) => {
    client.on('error', (error) => options.onConnectionLost?.(error));
  });
  // Already reported by the client's own listener above; pg has dropped the dead idle client,
  // and the next query opens a new connection.
  pool.on('error', () => undefined);
  return { kysely: new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log }), pool };
}

function sqlite(options: DbOptions, log: QueryLog): Kysely<Database> {
  const file = options.url.replace(/^sqlite:(\/\/)?/, '');
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const database = new SQLite(file, { timeout: options.statementTimeoutMs });
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('synchronous = NORMAL');
  // Kysely prepares every statement anew; the app issues a few dozen distinct SQL texts, and
  // reusing their prepared statements saved ~10% of the CPU of a list request (issue-6 benchmark).
  // Safe because a statement runs to completion synchronously (all/run); the app never streams.
  // Reuse pays only if SQLite does not re-plan the statement at each execution: stable-plan-sqlite.ts.
  const statements = new LRUCache<string, SQLite.Statement>({ max: 500 });
  const reusing = {
    prepare(text: string): SQLite.Statement {
      let statement = statements.get(text);
      if (statement === undefined) {
        statement = database.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
    close: () => database.close(),
  };
  return new Kysely<Database>({ dialect: new StablePlanSqliteDialect({ database: reusing }), log });
}

/** Opens PostgreSQL for a postgres:// URL, otherwise a SQLite file (WAL, foreign keys, busy timeout). */
export function openDatabase(options: DbOptions): Db {
  const dialect: Dialect = isPostgresUrl(options.url) ? 'postgres' : 'sqlite';
  const listeners = new Set<QueryLog>(options.onQuery ? [options.onQuery] : []);
  const log: QueryLog = (event) => {
    for (const listener of listeners) listener(event);
  };
  const opened =
    dialect === 'postgres'
      ? postgres(options, log)
      : { kysely: sqlite(options, log), pool: undefined };
  const { kysely, pool } = opened;
  return {
    kysely,
    dialect,
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    observeQueries(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    poolStats: () =>
      pool && {
        total: pool.totalCount,
        idle: pool.idleCount,
        waiting: pool.waitingCount,
        max: options.poolMax,
      },
    async close() {
      await kysely.destroy();
    },
  };
}
