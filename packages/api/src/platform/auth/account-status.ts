import type { Kysely } from 'kysely';
import type { AccountStatus, Database } from '../../db/schema.js';
import { createInvalidatedCache, type CacheLookupObserver } from '../caching/invalidated-cache.js';
import type { InvalidationBus } from '../invalidation/bus.js';

/** The invalidation kind of cached account statuses; the id is the account id. */
export const ACCOUNT_INVALIDATION = 'account';

export interface AccountStatusOptions {
  db: Kysely<Database>;
  /** How long a status is trusted without re-reading it: API_KEY_CACHE_TTL_MS, the same bound as key rows. */
  ttlMs: number;
  max: number;
  invalidation?: InvalidationBus;
  observe?: CacheLookupObserver;
}

/**
 * The status of each tenant (active, suspended, deleted), read on every authenticated request
 * through a cache invalidated like key rows: an operator's change reaches every instance through
 * the invalidation bus at once, or within the TTL when the bus cannot deliver (no Redis).
 */
export function createAccountStatuses(options: AccountStatusOptions) {
  const cache = createInvalidatedCache<{ status: AccountStatus }>({
    kind: ACCOUNT_INVALIDATION,
    max: options.max,
    ttlMs: options.ttlMs,
    invalidation: options.invalidation,
    observe: options.observe,
  });
  return {
    /** The account's status, or undefined when no such account exists. */
    async statusOf(accountId: string): Promise<AccountStatus | undefined> {
      const entry = await cache.get(accountId, async () =>
        options.db
          .selectFrom('accounts')
          .select('status')
          .where('id', '=', accountId)
          .executeTakeFirst(),
      );
      return entry?.status;
    },
    close: () => cache.close(),
  };
}

export type AccountStatuses = ReturnType<typeof createAccountStatuses>;
