import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompile } from '../../src/db/precompiled.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { seedOrder, seedUser } from '../support/seed.js';

describe.each(stores)('precompiled queries (%s)', (store) => {
  let t: TestApp;
  let tenants: Tenant[];

  beforeAll(async () => {
    t = await startApp(store);
    tenants = [await createTestTenant(t, 'one'), await createTestTenant(t, 'two')];
    for (const [i, tenant] of tenants.entries()) {
      const user = await seedUser(t, tenant);
      for (let n = 0; n <= i * 3; n++) await seedOrder(t, tenant, user, 1);
    }
  });
  afterAll(() => t.close());

  const ordersOf = (t: TestApp) =>
    precompile(t.db.kysely, (db, accountId: string, limit: number) =>
      db
        .selectFrom('orders')
        .select(['id', 'account_id'])
        .where('account_id', '=', accountId)
        .where('status', '=', 'pending_payment')
        .orderBy('id', 'desc')
        .limit(limit),
    );

  it('returns the rows the built query returns, for each set of values, and counts as a query', async () => {
    const run = ordersOf(t);
    for (const tenant of tenants)
      for (const limit of [1, 2, 10]) {
        const built = await t.db.kysely
          .selectFrom('orders')
          .select(['id', 'account_id'])
          .where('account_id', '=', tenant.accountId)
          .where('status', '=', 'pending_payment')
          .orderBy('id', 'desc')
          .limit(limit)
          .execute();
        const before = t.queries();
        const rows = await run(tenant.accountId, limit);
        expect(t.queries() - before).toBe(1);
        expect(rows).toEqual(built);
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) expect(row.account_id).toBe(tenant.accountId);
      }
    // Another tenant's id gives another tenant's rows only: the values are not baked in.
    expect(await run('acct_nobody', 10)).toEqual([]);
    // A value missing (e.g. a default parameter the template could not count) is refused.
    const loose = run as (...values: unknown[]) => Promise<unknown>;
    await expect(loose(tenants[0]!.accountId)).rejects.toThrow(/2 values expected, 1 given/);
  });

  it('refuses at compile time a parameter that is not a bound value', () => {
    expect(() =>
      precompile(t.db.kysely, (db, _unused: string) =>
        db.selectFrom('orders').select('id').where('status', '=', 'paid'),
      ),
    ).toThrow(/parameter 1 .* is not a bound value/);
  });
});
