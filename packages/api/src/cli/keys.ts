import { parseArgs } from 'node:util';
import { loadConfig } from '../config/index.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createTenant } from '../modules/api-keys/service.js';

const USAGE =
  'Usage: npm run keys -- create --tenant <name> [--mode test|live] [--key-name <name>]\n';

/** `npm run keys -- create --tenant acme`: creates a tenant and prints its first API key once. */
async function run(): Promise<number> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      tenant: { type: 'string' },
      mode: { type: 'string', default: 'test' },
      'key-name': { type: 'string', default: 'default' },
    },
  });
  if (
    positionals[0] !== 'create' ||
    !values.tenant ||
    (values.mode !== 'test' && values.mode !== 'live')
  ) {
    process.stderr.write(USAGE);
    return 64; // EX_USAGE
  }
  const config = loadConfig();
  const db = openDatabase({ url: config.databaseUrl, poolMax: 1, statementTimeoutMs: 60_000 });
  try {
    await migrateToLatest(db);
    const tenant = await createTenant(db.kysely, {
      name: values.tenant,
      mode: values.mode,
      keyName: values['key-name'],
    });
    process.stdout.write(
      `tenant ${tenant.accountId}\nkey_id ${tenant.keyId}\napi_key ${tenant.secret}\n`,
    );
    return 0;
  } finally {
    await db.close();
  }
}

process.exitCode = await run();
