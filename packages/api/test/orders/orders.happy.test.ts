import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call } from '../support/http.js';
import { seedOrder, seedUser } from '../support/seed.js';

describe.each(stores)('orders: happy paths (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;
  let userId: string;

  beforeAll(async () => {
    t = await startApp(store);
    tenant = await createTestTenant(t);
    userId = await seedUser(t, tenant);
  });
  afterAll(() => t.close());

  it('creates an order priced by the server, and stores order and items together', async () => {
    const response = await call(t.app, 'POST', '/v1/orders', {
      tenant,
      body: {
        user_id: userId,
        currency: 'EUR',
        items: [
          { name: 'Notebook', sku: 'NB-A5', quantity: 3, unit_amount: 1500 },
          { name: 'Pen', quantity: 10, unit_amount: 199 },
        ],
      },
    });
    expect(response.statusCode).toBe(201);
    const order = response.json<Record<string, unknown> & { id: string }>();
    expect(order).toEqual({
      id: expect.stringMatching(/^ord_[0-9a-z]{26}$/),
      object: 'order',
      user_id: userId,
      currency: 'EUR',
      status: 'pending_payment',
      total_amount: 4500 + 1990,
      amount_paid: 0,
      amount_refunded: 0,
      items: [
        {
          id: expect.stringMatching(/^item_/),
          object: 'order_item',
          name: 'Notebook',
          sku: 'NB-A5',
          quantity: 3,
          unit_amount: 1500,
          amount: 4500,
        },
        {
          id: expect.stringMatching(/^item_/),
          object: 'order_item',
          name: 'Pen',
          sku: null,
          quantity: 10,
          unit_amount: 199,
          amount: 1990,
        },
      ],
      created_at: expect.any(String),
      updated_at: expect.any(String),
      canceled_at: null,
    });
    expect(response.headers.location).toBe(`${t.config.publicBaseUrl}/v1/orders/${order.id}`);
    const items = await t.db.kysely
      .selectFrom('order_items')
      .selectAll()
      .where('order_id', '=', order.id)
      .execute();
    expect(items).toHaveLength(2);
    expect(items.every((item) => item.account_id === tenant.accountId)).toBe(true);

    const got = await call(t.app, 'GET', `/v1/orders/${order.id}`, { tenant });
    expect(got.json()).toEqual(order);
    expect(got.headers.etag).toBe('"v1"');
  });

  it('large amounts stay exact (bigint columns)', async () => {
    const items = Array.from({ length: 100 }, () => ({
      name: 'Gold bar',
      quantity: 10_000,
      unit_amount: 100_000_000,
    }));
    const response = await call(t.app, 'POST', '/v1/orders', {
      tenant,
      body: { user_id: userId, currency: 'USD', items },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json<{ total_amount: number }>().total_amount).toBe(100 * 10_000 * 100_000_000);
  });

  it('cancels a pending order once; If-Match guards the version', async () => {
    const order = await seedOrder(t, tenant, userId);
    const stale = await call(t.app, 'POST', `/v1/orders/${order.id}/cancel`, {
      tenant,
      headers: { 'if-match': '"v7"' },
    });
    expect(stale.statusCode).toBe(412);
    const canceled = await call(t.app, 'POST', `/v1/orders/${order.id}/cancel`, {
      tenant,
      headers: { 'if-match': '"v1"' },
    });
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json()).toMatchObject({
      status: 'canceled',
      canceled_at: expect.stringMatching(/Z$/),
    });
    expect(canceled.headers.etag).toBe('"v2"');
    const again = await call(t.app, 'POST', `/v1/orders/${order.id}/cancel`, { tenant, body: {} });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'order_not_cancelable' });
  });

  it('lists with items, filters by user and status, and walks every page', async () => {
    const own = await createTestTenant(t, 'orders-list');
    const alice = await seedUser(t, own);
    const bob = await seedUser(t, own);
    const created = [];
    for (let i = 0; i < 5; i++) created.push(await seedOrder(t, own, i % 2 === 0 ? alice : bob, 3));
    await call(t.app, 'POST', `/v1/orders/${created[0]!.id}/cancel`, { tenant: own });

    const all = (await call(t.app, 'GET', '/v1/orders?limit=100', { tenant: own })).json<{
      data: { id: string; items: unknown[] }[];
    }>();
    expect(all.data.map((o) => o.id)).toEqual(created.map((o) => o.id).reverse());
    expect(all.data.every((o) => o.items.length === 3)).toBe(true);

    const ofAlice = (
      await call(t.app, 'GET', `/v1/orders?user_id=${alice}`, { tenant: own })
    ).json<{ data: { user_id: string }[] }>();
    expect(ofAlice.data).toHaveLength(3);
    expect(ofAlice.data.every((o) => o.user_id === alice)).toBe(true);

    const canceled = (
      await call(t.app, 'GET', '/v1/orders?status=canceled', { tenant: own })
    ).json<{ data: { id: string }[] }>();
    expect(canceled.data.map((o) => o.id)).toEqual([created[0]!.id]);

    const seen: string[] = [];
    let next: string | undefined = '/v1/orders?limit=2&status=pending_payment';
    while (next) {
      const response = await call(t.app, 'GET', next, { tenant: own });
      seen.push(...response.json<{ data: { id: string }[] }>().data.map((o) => o.id));
      // Link also carries v1's successor-version and deprecation relations: follow rel="next".
      const link = /<([^>]+)>; rel="next"/.exec(String(response.headers.link ?? ''))?.[1];
      next = link ? new URL(link).pathname + new URL(link).search : undefined;
      if (next) expect(next).toContain('status=pending_payment');
    }
    expect(seen).toEqual(
      created
        .slice(1)
        .map((o) => o.id)
        .reverse(),
    );
  });
});
