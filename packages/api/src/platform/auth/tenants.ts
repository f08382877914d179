import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { newId } from '../ids/ids.js';
import { hashKey, mintKey, parseKey, keyMatches, type KeyMode } from './api-keys.js';

export interface CreatedTenant {
  accountId: string;
  keyId: string;
  /** The API key in clear: returned once, stored only as a hash. */
  secret: string;
}

/** Creates an account and its first API key in one transaction. */
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
    await trx
      .insertInto('api_keys')
      .values({
        id: keyId,
        account_id: accountId,
        lookup: key.lookup,
        secret_hash: key.secretHash,
        mode: key.mode,
        name: input.keyName ?? 'default',
        created_at: now,
      })
      .execute();
  });
  return { accountId, keyId, secret: key.secret };
}

export interface Principal {
  accountId: string;
  keyId: string;
  mode: KeyMode;
}

/** Resolves a presented API key to its account, or null if unknown, revoked or expired. */
export async function verifyApiKey(
  db: Kysely<Database>,
  presented: string,
  now = new Date(),
): Promise<Principal | null> {
  const parsed = parseKey(presented);
  if (!parsed) {
    // Burn the same hashing work as a real check so timing does not reveal the key format.
    hashKey(presented);
    return null;
  }
  const row = await db
    .selectFrom('api_keys')
    .select(['id', 'account_id', 'secret_hash', 'mode', 'expires_at', 'revoked_at'])
    .where('lookup', '=', parsed.lookup)
    .executeTakeFirst();
  if (!row || !keyMatches(presented, row.secret_hash) || row.mode !== parsed.mode) return null;
  if (row.revoked_at !== null && new Date(row.revoked_at) <= now) return null;
  if (row.expires_at !== null && new Date(row.expires_at) <= now) return null;
  return { accountId: row.account_id, keyId: row.id, mode: row.mode };
}

/** True when no account exists yet (first start). */
export async function hasNoTenants(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('accounts').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}
