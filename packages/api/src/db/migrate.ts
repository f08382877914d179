import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import type { Db } from './database.js';
import { initial } from './migrations/0001-initial.js';
import { apiKeyScopes } from './migrations/0002-api-key-scopes.js';
import { idempotencyKeys } from './migrations/0003-idempotency-keys.js';
import { payments } from './migrations/0004-payments.js';
import { orderUserIndex } from './migrations/0005-order-user-index.js';
import { accountLifecycle } from './migrations/0006-account-lifecycle.js';
import { webhooks } from './migrations/0007-webhooks.js';
import { webhookDeliveryAttempts } from './migrations/0008-webhook-delivery-attempts.js';
import { listGenerations } from './migrations/0009-list-generations.js';
import { listGenerationsAtCommit } from './migrations/0010-list-generations-at-commit.js';

/** The ordered migrations; names sort in application order. One set serves both dialects. */
function migrationProvider(db: Db): MigrationProvider {
  return {
    getMigrations(): Promise<Record<string, Migration>> {
      return Promise.resolve({
        '0001-initial': initial(db.dialect),
        '0002-api-key-scopes': apiKeyScopes(),
        '0003-idempotency-keys': idempotencyKeys(db.dialect),
        '0004-payments': payments(db.dialect),
        '0005-order-user-index': orderUserIndex(),
        '0006-account-lifecycle': accountLifecycle(db.dialect),
        '0007-webhooks': webhooks(db.dialect),
        '0008-webhook-delivery-attempts': webhookDeliveryAttempts(db.dialect),
        '0009-list-generations': listGenerations(db.dialect),
        '0010-list-generations-at-commit': listGenerationsAtCommit(db.dialect),
      });
    },
  };
}

/** Applies pending migrations; Kysely's migration lock makes concurrent starts safe. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db: db.kysely, provider: migrationProvider(db) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
