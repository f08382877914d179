import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { mintSeedKey, seedScale } from './scale-dataset.js';

/**
 * `npm run seed:scale -- --orders 1000000 [--key]`: migrates DATABASE_URL and seeds it with that
 * many orders across tenants (skipped when already seeded to that count). Use a dedicated
 * database, never one shared with the test suites. `--key` mints an API key for the biggest
 * tenant and prints it once.
 */
const { values } = parseArgs({
  options: { orders: { type: 'string', default: '1000000' }, key: { type: 'boolean' } },
});
const orders = Number(values.orders);
if (!Number.isInteger(orders) || orders < 100 || orders > 50_000_000) {
  process.stderr.write('--orders must be an integer from 100 to 50000000\n');
  process.exit(64); // EX_USAGE
}
const config = loadConfig();
// Statements of a 100k-row chunk run for seconds, far above the API's statement timeout.
const db = openDatabase({ url: config.databaseUrl, poolMax: 1, statementTimeoutMs: 600_000 });
try {
  await migrateToLatest(db);
  const started = Date.now();
  const result = await seedScale(db, {
    orders,
    progress: (done, total) => process.stderr.write(`\rseeded ${done}/${total} orders`),
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(
    result.inserted ? `\nSeeded ${orders} orders in ${seconds} s.\n` : 'Already seeded.\n',
  );
  const output: Record<string, unknown> = {
    orders: result.orders,
    tenants: result.tenants.length,
    biggest_tenant: result.tenants[0],
    big_tenant_orders: result.bigTenantOrders,
  };
  if (values.key) output.api_key = await mintSeedKey(db.kysely, result.tenants[0]!);
  process.stdout.write(`${JSON.stringify(output)}\n`);
} finally {
  await db.close();
}
