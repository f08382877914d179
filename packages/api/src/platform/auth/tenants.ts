import type { Insertable, Kysely } from 'kysely';
import type { AccountsTable, Database } from '../../db/schema.js';

/** SQL for the accounts table that authentication and onboarding need. */
export async function insertAccount(
  db: Kysely<Database>,
  row: Insertable<AccountsTable>,
): Promise<void> {
  await db.insertInto('accounts').values(row).execute();
}

/** True when no account exists yet (first start). */
export async function hasNoTenants(db: Kysely<Database>): Promise<boolean> {
  const row = await db.selectFrom('accounts').select('id').limit(1).executeTakeFirst();
  return row === undefined;
}

export async function accountExists(db: Kysely<Database>, accountId: string): Promise<boolean> {
  return (
    (await db
      .selectFrom('accounts')
      .select('id')
      .where('id', '=', accountId)
      .executeTakeFirst()) !== undefined
  );
}
