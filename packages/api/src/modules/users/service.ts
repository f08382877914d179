import type { VersionPrecondition } from '../../platform/caching/conditional-requests.js';
import type { ResourceCache } from '../../platform/caching/resource-cache.js';
import type { Kysely } from 'kysely';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/errors.js';
import type { Database } from '../../db/schema.js';
import { ApiError, notFound, preconditionFailed } from '../../platform/errors/api-error.js';
import { newId } from '../../platform/ids/ids.js';
import { mapPage, type Page } from '../../platform/pagination/page.js';
import * as repo from './repository.js';
import { toUser, type User } from './views.js';

export type { User } from './views.js';

/** Work that must commit with a change, in its transaction (services stay HTTP-agnostic). */
export type OnCommit<T> = (trx: Kysely<Database>, result: T) => Promise<void>;

const userHasOrders = () =>
  new ApiError('user_has_orders', 'This user has orders and cannot be deleted.');
const emailTaken = () =>
  new ApiError('email_taken', 'Another user in this account already has this email.');

/** The invalidation kind (and metric label) of cached users; the id is `<account>:<user>`. */
export const USER_CACHE_KIND = 'user';

/**
 * Users: create, read, list, update (optimistic concurrency), delete. With `cache`, single-user
 * reads are served from memory; update and delete invalidate after committing.
 */
export function createUsersService(deps: { db: Kysely<Database>; cache?: ResourceCache<User> }) {
  const { db, cache } = deps;

  /** Straight from the database: decisions about a write never rest on a cached copy. */
  async function load(accountId: string, id: string): Promise<User | undefined> {
    const row = await repo.findUserById(db, accountId, id);
    return row && toUser(row);
  }

  async function loadOrFail(accountId: string, id: string): Promise<User> {
    const user = await load(accountId, id);
    if (!user) throw notFound('user', id);
    return user;
  }

  return {
    /** One user, from the cache when present. */
    async get(accountId: string, id: string): Promise<User> {
      const user = cache
        ? await cache.get(accountId, id, () => load(accountId, id))
        : await load(accountId, id);
      if (!user) throw notFound('user', id);
      return user;
    },

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
      const page = await repo.findUserPage(db, accountId, {
        emailNormalized: query.email?.toLowerCase(),
        afterId: query.afterId,
        limit: query.limit,
      });
      return mapPage(page, toUser);
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
        if (row) {
          await cache?.invalidate(accountId, id);
          return toUser(row);
        }
      } catch (error) {
        if (isUniqueViolation(error)) throw emailTaken();
        throw error;
      }
      await loadOrFail(accountId, id); // 404 when it does not exist in this account…
      throw preconditionFailed(); // …otherwise the version did not match.
    },

    async remove(accountId: string, id: string): Promise<void> {
      await loadOrFail(accountId, id);
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
      await cache?.invalidate(accountId, id);
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
