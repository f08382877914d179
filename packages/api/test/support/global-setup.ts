import { isPostgresUrl, openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/** Migrates PostgreSQL once per run, or says plainly that its suites are skipped. */
export default async function setup(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url || !isPostgresUrl(url)) {
    process.stdout.write(
      '\n[steadfast] PostgreSQL suites SKIPPED: DATABASE_URL is not a postgres:// URL. ' +
        'Only SQLite runs. `bash .ci/run` starts PostgreSQL and sets it.\n\n',
    );
    return;
  }
  const db = openDatabase({ url, poolMax: 1, statementTimeoutMs: 30_000 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.close();
  }
  process.stdout.write(`\n[steadfast] PostgreSQL suites run against ${new URL(url).host}.\n\n`);
}
