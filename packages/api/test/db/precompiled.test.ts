import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { precompile, precompileByShape } from '../../src/db/precompiled.js';
import {
  createOrderReads,
  findItemsOfOrders,
  findOrderPage,
} from '../../src/modules/orders/repository.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { seedOrder, seedUser } from '../support/seed.js';

describe.each(stores)('precompiled queries (%s)', (store) => {
  let t: TestApp;
  let tenants: Tenant[];

  beforeAll(async () => {
    // No webhook worker: its poll (a query every second) landed inside counted reads.
    t = await startApp(store, { WEBHOOK_WORKER_ENABLED: 'false' });
    tenants = [await createTestTenant(t, 'one'), await createTestTenant(t, 'two')];
    for (const [i, tenant] of tenants.entries()) {
      const user = await seedUser(t, tenant);
      for (let n = 0; n <= i * 3; n++) await seedOrder(t, tenant, user, 1 + (n % 3));
      // A second user of the same tenant, so the user filter has rows to leave out.
      if (i === 1) await seedOrder(t, tenant, await seedUser(t, tenant), 2);
    }
    // Orders in another status than the one the API creates, so the status filter leaves rows out
    // and finds some (a payment would do the same; only the column matters to these reads).
    const [newest] = await t.db.kysely
      .selectFrom('orders')
      .select('id')
      .where('account_id', '=', tenants[1]!.accountId)
      .orderBy('id', 'desc')
      .limit(2)
      .execute();
    await t.db.kysely
      .updateTable('orders')
      .set({ status: 'paid' })
      .where('id', '=', newest!.id)
      .execute();
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

  it('compiles one query per shape (present parameters, array lengths) and runs each with new values', async () => {
    const [one, two] = tenants as [Tenant, Tenant];
    const built: string[] = [];
    const run = precompileByShape(
      t.db.kysely,
      (db, p: { accountId: string; status?: 'pending_payment'; ids?: string[] }) => {
        let query = db.selectFrom('orders').select(['id']).where('account_id', '=', p.accountId);
        if (p.status !== undefined) query = query.where('status', '=', p.status);
        if (p.ids !== undefined) query = query.where('id', 'in', p.ids);
        built.push(Object.keys(p).join(','));
        return query.orderBy('id', 'desc');
      },
    );
    const all = await t.db.kysely
      .selectFrom('orders')
      .select(['id', 'account_id'])
      .orderBy('id', 'desc')
      .execute();
    const idsOf = (tenant: Tenant) =>
      all.filter((row) => row.account_id === tenant.accountId).map((row) => row.id);
    expect(idsOf(two).length).toBeGreaterThan(2);

    expect((await run({ accountId: one.accountId })).map((r) => r.id)).toEqual(idsOf(one));
    expect((await run({ accountId: two.accountId })).map((r) => r.id)).toEqual(idsOf(two));
    // Absent and undefined are the same shape: nothing is compiled again.
    await run({ accountId: two.accountId, status: undefined });
    expect(built).toHaveLength(1);
    const [a, b, c] = idsOf(two) as [string, string, string];
    expect((await run({ accountId: two.accountId, ids: [a, c] })).map((r) => r.id)).toEqual([a, c]);
    expect((await run({ accountId: two.accountId, ids: [b, c] })).map((r) => r.id)).toEqual([b, c]);
    expect((await run({ accountId: two.accountId, ids: [b] })).map((r) => r.id)).toEqual([b]);
    // The values are not baked in: another tenant's ids under this tenant match nothing.
    expect(await run({ accountId: one.accountId, ids: [a, c] })).toEqual([]);
    // The newest order (a) is paid (beforeAll): the status filter keeps c and leaves a out.
    expect(
      (await run({ accountId: two.accountId, status: 'pending_payment', ids: [a, c] })).map(
        (r) => r.id,
      ),
    ).toEqual([c]);
    // Shapes: no ids; ids of 2; ids of 1; status and ids of 2.
    expect(built).toHaveLength(4);
  });

  it('refuses a shape whose present parameter is not a bound value', async () => {
    const run = precompileByShape(t.db.kysely, (db, p: { accountId: string; status?: string }) =>
      db.selectFrom('orders').select('id').where('account_id', '=', p.accountId),
    );
    await expect(run({ accountId: tenants[0]!.accountId })).resolves.toBeDefined();
    await expect(run({ accountId: tenants[0]!.accountId, status: 'paid' })).rejects.toThrow(
      /status of .* is not a bound value/,
    );
  });

  it("the orders list's precompiled reads return what the built queries return, for every filter and page", async () => {
    const reads = createOrderReads(t.db.kysely);
    for (const tenant of tenants) {
      const [{ user_id: userId } = { user_id: 'user_none' }] = await t.db.kysely
        .selectFrom('orders')
        .select('user_id')
        .where('account_id', '=', tenant.accountId)
        .execute();
      let filled = 0;
      const filters = [
        {},
        { userId },
        { status: 'pending_payment' as const },
        { status: 'paid' as const },
        { userId, status: 'pending_payment' as const },
      ];
      for (const filter of filters) {
        // Every id the filter selects, newest first, read without pagination.
        let all = t.db.kysely
          .selectFrom('orders')
          .select('id')
          .where('account_id', '=', tenant.accountId);
        if (filter.userId !== undefined) all = all.where('user_id', '=', filter.userId);
        if (filter.status !== undefined) all = all.where('status', '=', filter.status);
        const expectedIds = (await all.orderBy('id', 'desc').execute()).map((row) => row.id);
        if (expectedIds.length > 0) filled += 1;
        for (const limit of [1, 2, 100]) {
          let afterId: string | undefined;
          const seen: string[] = [];
          do {
            const request = { ...filter, afterId, limit };
            const expected = await findOrderPage(t.db.kysely, tenant.accountId, request);
            const before = t.queries();
            const page = await reads.page(tenant.accountId, request);
            expect(t.queries() - before).toBe(1);
            expect(page).toEqual(expected);
            const ids = page.items.map((order) => order.id);
            expect(await reads.itemsOf(tenant.accountId, ids)).toEqual(
              await findItemsOfOrders(t.db.kysely, tenant.accountId, ids),
            );
            seen.push(...ids);
            afterId = page.hasMore ? page.items.at(-1)!.id : undefined;
          } while (afterId !== undefined);
          expect(seen).toEqual(expectedIds);
        }
      }
      // Most filters select rows (the second tenant has a paid order and two users).
      expect(filled).toBeGreaterThanOrEqual(tenant === tenants[1] ? 5 : 3);
      // The other tenant's orders are not this tenant's items.
      const theirs = await findOrderPage(t.db.kysely, tenants[1]!.accountId, { limit: 100 });
      expect(
        await reads.itemsOf(
          tenants[0]!.accountId,
          theirs.items.map((o) => o.id),
        ),
      ).toEqual([]);
    }
  });
});
