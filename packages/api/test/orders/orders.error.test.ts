import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { seedUser } from '../support/seed.js';

describe.each(stores)('orders: refusals (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;
  let userId: string;
  const item = { name: 'Thing', quantity: 1, unit_amount: 100 };

  beforeAll(async () => {
    t = await startApp(store);
    tenant = await createTestTenant(t);
    userId = await seedUser(t, tenant);
  });
  afterAll(() => t.close());

  const countOrders = async () =>
    Number(
      (
        await t.db.kysely
          .selectFrom('orders')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('account_id', '=', tenant.accountId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it.each([
    ['no items', { currency: 'EUR', items: [] }, '/items'],
    ['101 items', { currency: 'EUR', items: Array.from({ length: 101 }, () => item) }, '/items'],
    ['lower-case currency', { currency: 'eur', items: [item] }, '/currency'],
    ['unknown currency', { currency: 'ZZZ', items: [item] }, '/currency'],
    ['zero quantity', { currency: 'EUR', items: [{ ...item, quantity: 0 }] }, '/items/0/quantity'],
    [
      'fractional amount',
      { currency: 'EUR', items: [{ ...item, unit_amount: 9.99 }] },
      '/items/0/unit_amount',
    ],
    [
      'negative amount',
      { currency: 'EUR', items: [{ ...item, unit_amount: -1 }] },
      '/items/0/unit_amount',
    ],
    [
      'string quantity',
      { currency: 'EUR', items: [{ ...item, quantity: '2' }] },
      '/items/0/quantity',
    ],
    ['client-sent total', { currency: 'EUR', items: [item], total_amount: 1 }, '/total_amount'],
    [
      'client-sent item amount',
      { currency: 'EUR', items: [{ ...item, amount: 1 }] },
      '/items/0/amount',
    ],
    ['bad sku', { currency: 'EUR', items: [{ ...item, sku: 'has spaces' }] }, '/items/0/sku'],
  ])('rejects %s with a pointer to the field and stores nothing', async (_label, body, pointer) => {
    const before = await countOrders();
    const problem = expectProblem(
      await call(t.app, 'POST', '/v1/orders', { tenant, body: { user_id: userId, ...body } }),
      400,
      'validation_failed',
    );
    expect(problem.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer })]));
    expect(await countOrders()).toBe(before);
  });

  it('an order totalling 0 (every item free) is refused at /items, in v1 and v2; free items beside priced ones are fine', async () => {
    const before = await countOrders();
    const free = { ...item, unit_amount: 0 };
    const v1 = expectProblem(
      await call(t.app, 'POST', '/v1/orders', {
        tenant,
        body: { user_id: userId, currency: 'EUR', items: [free, { ...free, quantity: 3 }] },
      }),
      400,
      'validation_failed',
    );
    expect(v1.errors).toEqual([
      { in: 'body', pointer: '/items', detail: expect.stringMatching(/at least 1 minor unit/) },
    ]);
    const freeV2 = {
      name: 'Gift',
      quantity: 1,
      unit_price_money: { amount: 0, currency: 'EUR' },
    };
    const v2 = expectProblem(
      await call(t.app, 'POST', '/v2/orders', {
        tenant,
        body: { user_id: userId, items: [freeV2] },
      }),
      400,
      'validation_failed',
    );
    expect(v2.errors).toEqual([expect.objectContaining({ in: 'body', pointer: '/items' })]);
    expect(await countOrders()).toBe(before);

    const mixed = await call(t.app, 'POST', '/v1/orders', {
      tenant,
      body: { user_id: userId, currency: 'EUR', items: [free, item] },
    });
    expect(mixed.statusCode, mixed.body).toBe(201);
    expect(mixed.json()).toMatchObject({ total_amount: item.unit_amount });
  });

  it('an order for an unknown user is refused at /user_id', async () => {
    const problem = expectProblem(
      await call(t.app, 'POST', '/v1/orders', {
        tenant,
        body: { user_id: 'usr_01jdq3z7x8k2m4n6p8r0s2t4v6', currency: 'EUR', items: [item] },
      }),
      400,
      'validation_failed',
    );
    expect(problem.errors).toEqual([
      { in: 'body', pointer: '/user_id', detail: 'no user with this id exists' },
    ]);
  });

  it('missing orders are 404 on get and cancel; unknown filters are 400', async () => {
    const id = 'ord_01jdq41m2n3p4q5r6s7t8v9w0x';
    expectProblem(await call(t.app, 'GET', `/v1/orders/${id}`, { tenant }), 404, 'not_found');
    expectProblem(
      await call(t.app, 'POST', `/v1/orders/${id}/cancel`, { tenant }),
      404,
      'not_found',
    );
    expectProblem(
      await call(t.app, 'GET', '/v1/orders?status=shipped', { tenant }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call(t.app, 'GET', '/v1/orders?user_id=bob', { tenant }),
      400,
      'validation_failed',
    );
    expectProblem(
      await call(t.app, 'POST', `/v1/orders/${id}/cancel`, { tenant, body: { reason: 'x' } }),
      400,
      'validation_failed',
    );
  });
});
