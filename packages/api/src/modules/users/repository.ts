import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import type { Database, UsersTable } from '../../db/schema.js';
import { keysetPage, type PageRequest } from '../../platform/pagination/keyset.js';
import type { Page } from '../../platform/pagination/page.js';

export type UserRow = Selectable<UsersTable>;
type Executor = Kysely<Database>;

export async function insertUser(db: Executor, row: Insertable<UsersTable>): Promise<UserRow> {
  return db.insertInto('users').values(row).returningAll().executeTakeFirstOrThrow();
}

export async function findUserById(
  db: Executor,
  accountId: string,
  id: string,
): Promise<UserRow | undefined> {
  return db
    .selectFrom('users')
    .selectAll()
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
}

/** A page of the account's users, newest first, optionally those with one email. */
export async function findUserPage(
  db: Executor,
  accountId: string,
  filter: { emailNormalized?: string } & PageRequest,
): Promise<Page<UserRow>> {
  let query = db.selectFrom('users').selectAll().where('account_id', '=', accountId);
  if (filter.emailNormalized !== undefined)
    query = query.where('email_normalized', '=', filter.emailNormalized);
  return keysetPage(query, filter);
}

/**
 * Applies changes only if the row still has one of `versions` (or any version when undefined),
 * bumping the version in the same statement, so a concurrent writer cannot be overwritten.
 */
export async function updateUser(
  db: Executor,
  accountId: string,
  id: string,
  changes: Pick<Updateable<UsersTable>, 'email' | 'email_normalized' | 'name' | 'updated_at'>,
  versions: number[] | undefined,
): Promise<UserRow | undefined> {
  let query = db
    .updateTable('users')
    .set((eb) => ({ ...changes, version: eb('version', '+', 1) }))
    .where('account_id', '=', accountId)
    .where('id', '=', id);
  if (versions !== undefined)
    query = query.where('version', 'in', versions.length > 0 ? versions : [-1]);
  return query.returningAll().executeTakeFirst();
}

export async function deleteUser(db: Executor, accountId: string, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('users')
    .where('account_id', '=', accountId)
    .where('id', '=', id)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function userHasOrders(
  db: Executor,
  accountId: string,
  userId: string,
): Promise<boolean> {
  const row = await db
    .selectFrom('orders')
    .select('id')
    .where('account_id', '=', accountId)
    .where('user_id', '=', userId)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
