import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { newId } from '../ids/ids.js';
import { mintKey, type KeyMode } from './api-keys.js';
import { insertKey } from './key-store.js';
import { SCOPES } from './scopes.js';

export interface CreatedTenant {
  accountId: string;
  keyId: string;
  /** The API key in clear: returned once, stored only as a hash. */
  secret: string;
}

/** Creates an account and its first API key (all scopes) in one transaction. */
export async function createTenant(
  db: Kysely<Database>,
  input: { name: string; mode: KeyMode; keyName?: string },
): Promise<CreatedTenant> {
  const accountId = newId('acct');
  const keyId = newId('key');
  const key = mintKey(input.mode);
  const now = new Date().toISOString();
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('accounts')
      .values({ id: accountId, name: input.name, created_at: now })
      .execute();
    await insertKey(trx, {
      id: keyId,
      account_id: accountId,
      lookup: key.lookup,
      secret_hash: key.secretHash,
      mode: key.mode,
      name: input.keyName ?? 'default',
      scopes: SCOPES.join(' '),
      created_at: now,
    });
  });
  return { accountId, keyId, secret: key.secret };
}

/** The id of the oldest account (the demo tenant on a development database), if any. */
export async function oldestTenantId(db: Kysely<Database>): Promise<string | undefined> {
  const row = await db
    .selectFrom('accounts')
    .select('id')
    .orderBy('created_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return row?.id;
}
