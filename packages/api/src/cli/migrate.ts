import { loadConfig } from '../config/index.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';

/** `npm run migrate`: applies pending migrations to DATABASE_URL and exits. */
const config = loadConfig();
const db = openDatabase({ url: config.databaseUrl, poolMax: 1, statementTimeoutMs: 60_000 });
try {
  const applied = await migrateToLatest(db);
  process.stdout.write(
    applied.length ? `Applied: ${applied.join(', ')}\n` : 'Already up to date.\n',
  );
} finally {
  await db.close();
}
