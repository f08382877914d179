import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppOverrides } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/index.js';
import { isPostgresUrl, openDatabase, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createTenant } from '../../src/modules/api-keys/service.js';

export type Store = 'sqlite' | 'postgres';

/** The stores behavioural suites run against: SQLite always, PostgreSQL when DATABASE_URL is set. */
export const stores: Store[] = isPostgresUrl(process.env.DATABASE_URL ?? '')
  ? ['sqlite', 'postgres']
  : ['sqlite'];

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  db: Db;
  /** Every log line the app wrote, parsed. */
  logs: Record<string, unknown>[];
  /** Raw log output, to assert that secrets never appear in it. */
  rawLogs: () => string;
  /** Number of SQL queries executed so far. */
  queries: () => number;
  close: () => Promise<void>;
}

/** Builds the real app on a fresh SQLite file or the shared PostgreSQL database (own tenants). */
export async function startApp(
  store: Store = 'sqlite',
  env: Record<string, string> = {},
  /** Registers extra routes (e.g. one that throws) before the app is sealed. */
  beforeReady?: (app: FastifyInstance) => void,
  /** Replaces what buildApp would build from config (e.g. a rate-limit store with a test clock). */
  overrides: Omit<AppOverrides, 'db' | 'logStream'> = {},
): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-test-'));
  const databaseUrl = store === 'postgres' ? process.env.DATABASE_URL! : join(dir, 'test.db');
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_URL: databaseUrl,
    // Parallel suites on two cores stall event loops for reasons unrelated to the code under
    // test (imports, fuzz generation); only the load-shedding suite sets a real threshold.
    LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '30000',
    // For the same reason (and suites that fire bursts of concurrent requests on purpose), the
    // adaptive in-flight limit is off except in the suites about it.
    LOAD_SHED_CONCURRENCY_MAX: '0',
    LOAD_SHED_MAX_QUEUE_MS: '0',
    // Buffered last-used times are written every API_KEY_LAST_USED_FLUSH_MS (60 s by default);
    // in a file that outlived it under a loaded full run, that batch's UPDATE landed inside a
    // request whose queries a test counted (orders.query-count: a later page "cost" 3 against 2).
    // Tests write the batch themselves (app.apiKeys.flushLastUsed()) when they need it.
    API_KEY_LAST_USED_FLUSH_MS: '3600000',
    ...env,
  });
  let queryCount = 0;
  const db = openDatabase({
    url: config.databaseUrl,
    poolMax: 5,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    onQuery: () => {
      queryCount += 1;
    },
  });
  await migrateToLatest(db);
  let raw = '';
  const logs: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      const text = chunk.toString();
      raw += text;
      for (const line of text.split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const app = await buildApp(config, { ...overrides, db, logStream });
  beforeReady?.(app);
  await app.ready();
  return {
    app,
    config,
    db,
    logs,
    rawLogs: () => raw,
    queries: () => queryCount,
    close: async () => {
      await app.close();
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface Tenant {
  accountId: string;
  key: string;
  headers: { authorization: string };
}

let tenantCounter = 0;

/** A new account with one API key; every test works in its own tenant so suites can share a DB. */
export async function createTestTenant(t: TestApp, name = 'tenant'): Promise<Tenant> {
  tenantCounter += 1;
  const created = await createTenant(t.db.kysely, {
    name: `${name}-${process.pid}-${tenantCounter}`,
    mode: 'test',
  });
  return {
    accountId: created.accountId,
    key: created.secret,
    headers: { authorization: `Bearer ${created.secret}` },
  };
}

/** A unique email so tests on the shared PostgreSQL database never collide. */
export function uniqueEmail(label = 'user'): string {
  return `${label}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}@example.com`;
}
