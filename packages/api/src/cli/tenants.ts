import { pino } from 'pino';
import { loadConfig } from '../config/index.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { ApiError } from '../platform/errors/api-error.js';
import { createMemoryBus } from '../platform/invalidation/bus.js';
import { createRedisBus } from '../platform/invalidation/redis-bus.js';
import {
  changeTenantStatus,
  TENANT_ACTIONS,
  type TenantAction,
} from '../platform/tenants/lifecycle.js';

const USAGE = 'Usage: npm run tenants -- suspend|resume|delete <acct_…>\n';

/**
 * `npm run tenants -- suspend acct_…`: changes a tenant's status in the database and, with
 * REDIS_URL, tells every running instance at once (they otherwise see it within
 * API_KEY_CACHE_TTL_MS). Prints the tenant as it now is.
 */
async function run(): Promise<number> {
  const [action, accountId, ...rest] = process.argv.slice(2);
  if (!TENANT_ACTIONS.includes(action as TenantAction) || !accountId || rest.length > 0) {
    process.stderr.write(USAGE);
    return 64; // EX_USAGE
  }
  const config = loadConfig();
  const db = openDatabase({ url: config.databaseUrl, poolMax: 1, statementTimeoutMs: 60_000 });
  const bus = config.redis
    ? createRedisBus({
        url: config.redis.url,
        channel: config.cacheInvalidationChannel,
        commandTimeoutMs: config.redis.commandTimeoutMs,
        log: pino({ level: 'warn' }, process.stderr),
      })
    : createMemoryBus();
  try {
    await migrateToLatest(db);
    await bus.ready();
    const tenant = await changeTenantStatus(db.kysely, bus, accountId, action as TenantAction);
    process.stdout.write(`${JSON.stringify(tenant)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    process.stderr.write(`${error.detail}\n`);
    return error.code === 'not_found' ? 66 : 65; // EX_NOINPUT, EX_DATAERR
  } finally {
    await bus.close();
    await db.close();
  }
}

process.exitCode = await run();
