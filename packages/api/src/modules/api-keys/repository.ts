import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database } from '../../db/schema.js';
import type { KeyStore } from '../../platform/auth/key-verifier.js';
import { keysetPage, type PageRequest } from '../../platform/pagination/keyset.js';
import type { Page } from '../../platform/pagination/page.js';

export type ApiKeyRow = Selectable<ApiKeysTable>;

/** SQL for API keys. Every function that takes an account id scopes its query by it. */
export async function insertKey(
  db: Kysely<Database>,
  row: Insertable<ApiKeysTable>,
): Promise<ApiKeyRow> {
  return db.insertInto('api_keys').values(row).returningAll().executeTakeFirstOrThrow();
}

/** The lookup path of authentication: one indexed probe on the unique `lookup` column. */
export async function findKeyByLookup(
  db: Kysely<Database>,
  lookup: string,
): Promise<ApiKeyRow | undefined> {
  return db.selectFrom('api_keys').selectAll().where('lookup', '=', lookup).executeTakeFirst();
}

export async function findKey(
  db: Kysely<Database>,
  accountId: string,
  id: string,
): Promise<ApiKeyRow | undefined> {
  return db
    .selectFrom('api_keys')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A page of the account's keys, newest first. */
export async function findKeyPage(
  db: Kysely<Database>,
  accountId: string,
  filter: PageRequest,
): Promise<Page<ApiKeyRow>> {
  return keysetPage(
    db.selectFrom('api_keys').selectAll().where('account_id', '=', accountId),
    filter,
  );
}

/** Sets revoked_at once; revoking again keeps the first time. Returns the row as it now is. */
export async function revokeKey(
  db: Kysely<Database>,
  accountId: string,
  id: string,
  at: string,
): Promise<ApiKeyRow | undefined> {
  await db
    .updateTable('api_keys')
    .set({ revoked_at: at })
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .execute();
  return findKey(db, accountId, id);
}

/** Writes buffered last-used times in one transaction; never moves a time backwards. */
export async function writeLastUsed(
  db: Kysely<Database>,
  uses: Map<string, string>,
): Promise<void> {
  if (uses.size === 0) return;
  await db.transaction().execute(async (trx) => {
    for (const [id, at] of uses) {
      await trx
        .updateTable('api_keys')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', at)]))
        .execute();
    }
  });
}

/** What the platform's key verifier reads and writes, served by the functions above. */
export function createKeyStore(db: Kysely<Database>): KeyStore {
  return {
    findByLookup: (lookup) => findKeyByLookup(db, lookup),
    writeLastUsed: (uses) => writeLastUsed(db, uses),
  };
}
