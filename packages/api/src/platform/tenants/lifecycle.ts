import type { Kysely } from 'kysely';
import type { AccountStatus, Database } from '../../db/schema.js';
import { toIsoOrNull } from '../../db/timestamps.js';
import { ApiError, notFound } from '../errors/api-error.js';
import type { InvalidationBus } from '../invalidation/bus.js';
import { ACCOUNT_INVALIDATION } from '../auth/account-status.js';

export const TENANT_ACTIONS = ['suspend', 'resume', 'delete'] as const;
export type TenantAction = (typeof TENANT_ACTIONS)[number];

export interface TenantView {
  id: string;
  name: string;
  status: AccountStatus;
  status_changed_at: string | null;
  deleted_at: string | null;
}

const TARGET: Record<TenantAction, AccountStatus> = {
  suspend: 'suspended',
  resume: 'active',
  delete: 'deleted',
};

/** 404 for a tenant id no account has. */
export const notFoundTenant = (accountId: string) => notFound('tenant', accountId);

/** The tenant as an operator sees it, or undefined. */
export async function findTenant(
  db: Kysely<Database>,
  accountId: string,
): Promise<TenantView | undefined> {
  const row = await db
    .selectFrom('accounts')
    .select(['id', 'name', 'status', 'status_changed_at', 'deleted_at'])
    .where('id', '=', accountId)
    .executeTakeFirst();
  return (
    row && {
      ...row,
      status_changed_at: toIsoOrNull(row.status_changed_at),
      deleted_at: toIsoOrNull(row.deleted_at),
    }
  );
}

/**
 * Suspends, resumes or (softly) deletes a tenant, then tells every instance through the bus.
 * Suspension and resumption are idempotent; deletion is final (a deleted tenant cannot be
 * resumed or suspended: 409 tenant_deleted). Rows are never removed here, so requests in flight
 * finish whole; the tenant's credentials are refused as soon as the status reaches an instance.
 */
export async function changeTenantStatus(
  db: Kysely<Database>,
  bus: InvalidationBus,
  accountId: string,
  action: TenantAction,
  now = new Date(),
): Promise<TenantView> {
  const current = await findTenant(db, accountId);
  if (!current) throw notFoundTenant(accountId);
  const target = TARGET[action];
  if (current.status === 'deleted' && target !== 'deleted') {
    throw new ApiError(
      'tenant_deleted',
      `Tenant '${accountId}' was deleted; it cannot be ${action}d.`,
    );
  }
  if (current.status !== target) {
    const at = now.toISOString();
    await db
      .updateTable('accounts')
      .set({
        status: target,
        status_changed_at: at,
        ...(target === 'deleted' ? { deleted_at: at } : {}),
      })
      .where('id', '=', accountId)
      .where('status', '=', current.status)
      .execute();
  }
  // Published even when nothing changed: an instance that missed the first message learns now.
  await bus.publish({ kind: ACCOUNT_INVALIDATION, id: accountId });
  return (await findTenant(db, accountId))!;
}
