import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/**
 * How many payments and refunds wait for reconciliation (outcome unknown at the processor).
 * Read at each metrics scrape; the (status, updated_at) indexes make it an index-only count.
 */
export async function countAwaitingReconciliation(
  db: Kysely<Database>,
): Promise<{ payments: number; refunds: number }> {
  const [payments, refunds] = await Promise.all([
    db
      .selectFrom('payments')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('status', '=', 'requires_reconciliation')
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('refunds')
      .select((eb) => eb.fn.countAll<number | string>().as('count'))
      .where('status', '=', 'requires_reconciliation')
      .executeTakeFirstOrThrow(),
  ]);
  // PostgreSQL returns count(*) as a bigint string.
  return { payments: Number(payments.count), refunds: Number(refunds.count) };
}
