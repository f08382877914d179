import type { Insertable, Kysely } from 'kysely';
import type { AccountsTable, Database } from '../../db/schema.js';

/** SQL for the accounts table that authentication and onboarding need. */
export async function insertAccount(
  db: Kysely<Database>,
  row: Insertable<AccountsTable>,
): Promise<void> {
  await db.insertInto('accounts').values(row).execute();
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

export async function accountExists(db: Kysely<Database>, accountId: string): Promise<boolean> {
  return (
    (await db
      .selectFrom('accounts')
      .select('id')
      .where('id', '=', accountId)
      .executeTakeFirst()) !== undefined
  );
}
