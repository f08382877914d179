import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase } from '../../packages/api/src/db/database.js';
import { migrateToLatest } from '../../packages/api/src/db/migrate.js';
import {
  mintSeedKey,
  seedScale,
  seededId,
  seededTenantOf,
} from '../../packages/api/src/cli/scale-dataset.js';

/** A seeded database and what the load scripts need to address it. */
export interface Dataset {
  name: string;
  databaseUrl: string;
  orders: number;
  /** The biggest tenant, whose key the load uses. */
  accountId: string;
  key: string;
  /** File of 1000 of the tenant's order ids, spread over the table (GET targets). */
  getIds: string;
  /** File of 2000 of the tenant's pending orders (paid one cent at a time). */
  payIds: string;
  userId: string;
  seedSeconds: number;
}

async function ensurePostgresDatabase(serverUrl: string, name: string): Promise<string> {
  const admin = openDatabase({
    url: `${serverUrl}/postgres`,
    poolMax: 1,
    statementTimeoutMs: 30_000,
  });
  try {
    await sql`create database ${sql.id(name)}`.execute(admin.kysely);
  } catch (error) {
    if ((error as { code?: string }).code !== '42P04') throw error; // exists already
  } finally {
    await admin.close();
  }
  return `${serverUrl}/${name}`;
}

/** Order numbers of the biggest tenant: `count` of them, evenly spread over 1..orders. */
function spreadOrders(orders: number, count: number, accept: (n: number) => boolean): number[] {
  const picked: number[] = [];
  const step = Math.max(1, Math.floor(orders / count));
  for (let n = orders; n >= 1 && picked.length < count; n -= 1) {
    if (accept(n) && (picked.length === 0 || picked[picked.length - 1]! - n >= step))
      picked.push(n);
  }
  return picked;
}

/**
 * Opens (creating if needed) and seeds a dataset: `sqlite` is a file under `dir`, `postgres` a
 * database `steadfast_bench_<orders>` on `postgresServer`. Seeding is skipped when already done.
 */
export async function prepareDataset(options: {
  kind: 'sqlite' | 'postgres';
  orders: number;
  dir: string;
  postgresServer: string;
}): Promise<Dataset> {
  const { kind, orders, dir } = options;
  mkdirSync(dir, { recursive: true });
  const name = `${kind}-${orders}`;
  const databaseUrl =
    kind === 'sqlite'
      ? join(dir, `${name}.db`)
      : await ensurePostgresDatabase(options.postgresServer, `steadfast_bench_${orders}`);
  const db = openDatabase({ url: databaseUrl, poolMax: 1, statementTimeoutMs: 600_000 });
  try {
    await migrateToLatest(db);
    const started = Date.now();
    const seed = await seedScale(db, {
      orders,
      progress: (done, total) => process.stderr.write(`\r  seeding ${name}: ${done}/${total}`),
    });
    const seedSeconds = (Date.now() - started) / 1000;
    if (seed.inserted) process.stderr.write('\n');
    const accountId = seed.tenants[0]!;
    const key = await mintSeedKey(db.kysely, accountId);
    const tenantOne = (n: number) => seededTenantOf(n) === 1;
    // Pending orders of tenant 1 are n % 20 in 12..15 (see packages/api/src/cli/scale-dataset.ts).
    const pending = (n: number) => tenantOne(n) && n % 20 >= 12 && n % 20 <= 15;
    const getIds = join(dir, `${name}.get-ids`);
    const payIds = join(dir, `${name}.pay-ids`);
    writeFileSync(
      getIds,
      spreadOrders(orders, 1000, tenantOne)
        .map((n) => seededId('ord', n))
        .join('\n'),
    );
    writeFileSync(
      payIds,
      spreadOrders(orders, 2000, pending)
        .map((n) => seededId('ord', n))
        .join('\n'),
    );
    return {
      name,
      databaseUrl,
      orders,
      accountId,
      key,
      getIds,
      payIds,
      userId: seededId('usr', 1 * 100_000 + 1),
      seedSeconds: seed.inserted ? seedSeconds : 0,
    };
  } finally {
    await db.close();
  }
}
