import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stores, uniqueEmail } from '../support/app.js';
import { call } from '../support/http.js';
import { newKey, startPaymentWorld, type PaymentWorld } from '../payments/support.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

/** v2's flows end to end: money objects everywhere, the nested list envelope, `cursor`. */
describe.each(stores)('v2 happy paths (%s)', (store) => {
  let world: PaymentWorld;
  const v2 = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => call(world.t.app, method, url, { tenant: world.tenant, body, headers });

  beforeAll(async () => {
    world = await startPaymentWorld(store);
  });
  afterAll(() => world.close());

  it('users: lists are `{ object, data, pagination }`, paged with `cursor` and a v2 Link', async () => {
    for (const label of ['a', 'b', 'c'])
      expect((await v2('POST', '/v2/users', { email: uniqueEmail(label) })).statusCode).toBe(201);
    const first = await v2('GET', '/v2/users?limit=2');
    expect(first.statusCode).toBe(200);
    const page = first.json<{
      data: unknown[];
      pagination: { has_more: boolean; next_cursor: string };
    }>();
    expect(Object.keys(page)).toEqual(['object', 'data', 'pagination']);
    expect(page.data).toHaveLength(2);
    expect(page.pagination).toEqual({ has_more: true, next_cursor: expect.any(String) });
    expect(first.headers.link).toBe(
      `<http://127.0.0.1:3000/v2/users?limit=2&cursor=${page.pagination.next_cursor}>; rel="next"`,
    );
    expect(first.headers.deprecation).toBeUndefined();
    const next = new URL(/<([^>]+)>/.exec(String(first.headers.link))![1]!);
    const second = await v2('GET', next.pathname + next.search);
    expect(second.statusCode).toBe(200);
    expect(second.json<{ data: unknown[] }>().data.length).toBeGreaterThanOrEqual(1);
  });

  it('orders, payments and refunds speak money objects, and the totals add up', async () => {
    const user = (await v2('POST', '/v2/users', { email: uniqueEmail('buyer') })).json<{
      id: string;
    }>();
    const created = await v2('POST', '/v2/orders', {
      user_id: user.id,
      items: [
        { name: 'Notebook', sku: 'NB-A5', quantity: 3, unit_price_money: eur(1500) },
        { name: 'Pen', quantity: 2, unit_price_money: eur(250) },
      ],
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toMatch(/\/v2\/orders\/ord_/);
    const order = created.json<Record<string, unknown> & { id: string }>();
    expect(order).toMatchObject({
      object: 'order',
      status: 'pending_payment',
      total_money: eur(5000),
      paid_money: eur(0),
      refunded_money: eur(0),
      items: [
        { name: 'Notebook', unit_price_money: eur(1500), total_money: eur(4500) },
        { name: 'Pen', sku: null, unit_price_money: eur(250), total_money: eur(500) },
      ],
    });
    expect(order).not.toHaveProperty('currency');
    expect(order).not.toHaveProperty('total_amount');

    const partial = await v2(
      'POST',
      '/v2/payments',
      { order_id: order.id, amount_money: eur(3000), payment_method: 'pm_card_visa' },
      { 'idempotency-key': newKey() },
    );
    expect(partial.statusCode).toBe(201);
    expect(partial.headers.location).toMatch(/\/v2\/payments\/pay_/);
    const payment = partial.json<{ id: string }>();
    expect(payment).toMatchObject({
      object: 'payment',
      amount_money: eur(3000),
      refunded_money: eur(0),
      status: 'succeeded',
    });
    const rest = await v2(
      'POST',
      '/v2/payments',
      { order_id: order.id, payment_method: 'pm_card_visa' },
      { 'idempotency-key': newKey() },
    );
    expect(rest.json()).toMatchObject({ amount_money: eur(2000), status: 'succeeded' });

    const refundKey = newKey();
    const refund = await v2(
      'POST',
      `/v2/payments/${payment.id}/refunds`,
      { amount_money: eur(1000) },
      { 'idempotency-key': refundKey },
    );
    expect(refund.statusCode).toBe(201);
    expect(refund.headers.location).toMatch(/\/v2\/refunds\/re_/);
    expect(refund.json()).toMatchObject({ object: 'refund', amount_money: eur(1000) });
    // The replay is the v2 answer, byte for byte.
    const replay = await v2(
      'POST',
      `/v2/payments/${payment.id}/refunds`,
      { amount_money: eur(1000) },
      { 'idempotency-key': refundKey },
    );
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(refund.body);

    const refundId = refund.json<{ id: string }>().id;
    expect((await v2('GET', `/v2/refunds/${refundId}`)).json()).toMatchObject({
      amount_money: eur(1000),
    });
    const refunds = (await v2('GET', `/v2/payments/${payment.id}/refunds`)).json<{
      data: unknown[];
      pagination: unknown;
    }>();
    expect(refunds.data).toEqual([expect.objectContaining({ id: refundId })]);
    expect(refunds.pagination).toEqual({ has_more: false, next_cursor: null });
    expect((await v2('GET', `/v2/payments/${payment.id}`)).json()).toMatchObject({
      refunded_money: eur(1000),
    });
    const payments = (await v2('GET', `/v2/payments?order_id=${order.id}`)).json<{
      data: unknown[];
    }>();
    expect(payments.data).toHaveLength(2);
    expect((await v2('GET', `/v2/orders/${order.id}`)).json()).toMatchObject({
      status: 'partially_refunded',
      paid_money: eur(5000),
      refunded_money: eur(1000),
    });
    const orders = (await v2('GET', `/v2/orders?user_id=${user.id}`)).json<{
      data: { id: string }[];
    }>();
    expect(orders.data.map((o) => o.id)).toEqual([order.id]);
  });

  it('cancel and update keep ETags and If-Match', async () => {
    const user = await v2('POST', '/v2/users', { email: uniqueEmail('etag') });
    const id = user.json<{ id: string }>().id;
    expect(user.headers.etag).toBe('"v1"');
    const updated = await v2('PATCH', `/v2/users/${id}`, { name: 'Grace' }, { 'if-match': '"v1"' });
    expect(updated.statusCode).toBe(200);
    expect(updated.headers.etag).toBe('"v2"');
    const order = await v2('POST', '/v2/orders', {
      user_id: id,
      items: [{ name: 'Mug', quantity: 1, unit_price_money: { amount: 900, currency: 'USD' } }],
    });
    const canceled = await v2(
      'POST',
      `/v2/orders/${order.json<{ id: string }>().id}/cancel`,
      {},
      {
        'if-match': '"v1"',
      },
    );
    expect(canceled.statusCode).toBe(200);
    expect(canceled.json()).toMatchObject({
      status: 'canceled',
      total_money: { amount: 900, currency: 'USD' },
    });
  });

  it('API keys: create, list in the v2 envelope, revoke', async () => {
    const created = await v2('POST', '/v2/api_keys', { name: 'v2 job', scopes: ['users:read'] });
    expect(created.statusCode).toBe(201);
    expect(created.headers.location).toMatch(/\/v2\/api_keys\/key_/);
    const id = created.json<{ id: string }>().id;
    const list = (await v2('GET', '/v2/api_keys?limit=1')).json<{
      data: unknown[];
      pagination: { has_more: boolean };
    }>();
    expect(list.data).toHaveLength(1);
    expect(list.pagination.has_more).toBe(true);
    const revoked = await v2('POST', `/v2/api_keys/${id}/revoke`, {});
    expect(revoked.json()).toMatchObject({ id, revoked_at: expect.any(String) });
  });
});
