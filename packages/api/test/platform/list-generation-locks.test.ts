import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { seedOrder, seedUser } from '../support/seed.js';

/*
 * The list generation (migrations 0009, 0010) moves in the same transaction as every write to a
 * listed row. On PostgreSQL it must not make two writers of one tenant deadlock: the bump takes
 * the account's row lock, so it is taken at COMMIT, after every other lock of the transaction.
 * The interleaving below is the one `npm run bench` hit ("deadlock detected", 500 on
 * POST /v1/payments): one transaction changes a listed row of the tenant, another locks an order,
 * then the first needs that order.
 */
describe.runIf(stores.includes('postgres'))('list generation and row locks (postgres)', () => {
  let t: TestApp;
  let tenant: Tenant;
  let orderId: string;
  let userId: string;
  const clients: pg.Client[] = [];
  beforeAll(async () => {
    t = await startApp('postgres');
    tenant = await createTestTenant(t);
    userId = await seedUser(t, tenant);
    orderId = (await seedOrder(t, tenant, userId, 1)).id;
    for (let i = 0; i < 2; i += 1) {
      const client = new pg.Client({ connectionString: t.config.databaseUrl });
      await client.connect();
      // A lock wait fails the test in seconds instead of hanging it.
      await client.query("SET lock_timeout = '3s'");
      clients.push(client);
    }
  });
  afterAll(async () => {
    for (const client of clients) await client.end();
    await t.close();
  });

  /** The tenant's list generation: the sum of its slots (migration 0010). */
  const generation = async () =>
    Number(
      (
        await t.db.kysely
          .selectFrom('list_generations')
          .select((eb) => eb.fn.coalesce(eb.fn.sum('generation'), eb.lit(0)).as('sum'))
          .where('account_id', '=', tenant.accountId)
          .executeTakeFirstOrThrow()
      ).sum,
    );

  it('two writers of one tenant that lock an order in opposite orders both commit', async () => {
    const [first, second] = clients as [pg.Client, pg.Client];
    const before = await generation();
    await first.query('BEGIN');
    await second.query('BEGIN');
    // First: a change to another listed row of the tenant (its user).
    await first.query('UPDATE users SET email = email WHERE id = $1', [userId]);
    // Second: locks the order. With the bump taken mid-transaction (0009) this update then waited
    // for the account row the first one's bump held, and would time out here.
    await second.query('UPDATE orders SET status = status WHERE id = $1', [orderId]);
    // First now needs the order: it waits for the second, which must be able to commit (with the
    // bump mid-transaction this was a cycle, and PostgreSQL aborted one with "deadlock detected").
    const firstNeedsOrder = first.query('UPDATE orders SET status = status WHERE id = $1', [
      orderId,
    ]);
    await second.query('COMMIT');
    await firstNeedsOrder;
    await first.query('COMMIT');
    // Each transaction moved the generation once, however many rows it changed.
    expect(await generation()).toBe(before + 2);
  });

  it('a rolled-back write does not move the generation', async () => {
    const [client] = clients as [pg.Client];
    const before = await generation();
    await client.query('BEGIN');
    await client.query('UPDATE orders SET status = status WHERE id = $1', [orderId]);
    await client.query('ROLLBACK');
    expect(await generation()).toBe(before);
  });
});
