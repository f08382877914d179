import type { VersionPrecondition } from '../../platform/caching/conditional-requests.js';
import type { Kysely } from 'kysely';
import { isForeignKeyViolation, isUniqueViolation, toIso } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import { ApiError, notFound, preconditionFailed } from '../../platform/errors/api-error.js';
import { newId } from '../../platform/ids/ids.js';
import { pageFrom, type Page } from '../../platform/pagination/page.js';
import * as repo from './repository.js';
import type { UserView } from './schemas.js';

export interface User extends UserView {
  version: number;
}

/** Work that must commit with a change, in its transaction (services stay HTTP-agnostic). */
export type OnCommit<T> = (trx: Kysely<Database>, result: T) => Promise<void>;

const userHasOrders = () =>
  new ApiError('user_has_orders', 'This user has orders and cannot be deleted.');
const emailTaken = () =>
  new ApiError('email_taken', 'Another user in this account already has this email.');

function toUser(row: repo.UserRow): User {
  return {
    id: row.id,
    object: 'user',
    email: row.email,
    name: row.name,
    created_at: toIso(row.created_at),
    updated_at: toIso(row.updated_at),
    version: row.version,
  };
}

/** Users: create, read, list, update (optimistic concurrency), delete. */
export function createUsersService(deps: { db: Kysely<Database> }) {
  const { db } = deps;

  async function get(accountId: string, id: string): Promise<User> {
    const row = await repo.findUserById(db, accountId, id);
    if (!row) throw notFound('user', id);
    return toUser(row);
  }

  return {
    get,

    /** `onCommit` runs inside the insert's transaction (e.g. to record the idempotent response). */
    async create(
      accountId: string,
      input: { email: string; name?: string },
      onCommit?: OnCommit<User>,
    ): Promise<User> {
      const now = new Date().toISOString();
      try {
        return await db.transaction().execute(async (trx) => {
          const row = await repo.insertUser(trx, {
            id: newId('usr'),
            account_id: accountId,
            email: input.email,
            email_normalized: input.email.toLowerCase(),
            name: input.name ?? null,
            created_at: now,
            updated_at: now,
          });
          const user = toUser(row);
          await onCommit?.(trx, user);
          return user;
        });
      } catch (error) {
        if (isUniqueViolation(error)) throw emailTaken();
        throw error;
      }
    },

    async list(
      accountId: string,
      query: { email?: string; afterId?: string; limit: number },
    ): Promise<Page<User>> {
      const rows = await repo.findUserPage(db, accountId, {
        emailNormalized: query.email?.toLowerCase(),
        afterId: query.afterId,
        limit: query.limit,
      });
      return pageFrom(rows.map(toUser), query.limit);
    },

    async update(
      accountId: string,
      id: string,
      changes: { email?: string; name?: string | null },
      precondition: VersionPrecondition,
    ): Promise<User> {
      const set = {
        ...(changes.email !== undefined
          ? { email: changes.email, email_normalized: changes.email.toLowerCase() }
          : {}),
        ...(changes.name !== undefined ? { name: changes.name } : {}),
        updated_at: new Date().toISOString(),
      };
      try {
        const row = await repo.updateUser(
          db,
          accountId,
          id,
          set,
          precondition === 'any' ? undefined : precondition,
        );
        if (row) return toUser(row);
      } catch (error) {
        if (isUniqueViolation(error)) throw emailTaken();
        throw error;
      }
      await get(accountId, id); // 404 when it does not exist in this account…
      throw preconditionFailed(); // …otherwise the version did not match.
    },

    async remove(accountId: string, id: string): Promise<void> {
      await get(accountId, id);
      if (await repo.userHasOrders(db, accountId, id)) {
        throw userHasOrders();
      }
      try {
        if (!(await repo.deleteUser(db, accountId, id))) throw notFound('user', id);
      } catch (error) {
        // An order created for this user between the check and the delete.
        if (isForeignKeyViolation(error)) throw userHasOrders();
        throw error;
      }
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
