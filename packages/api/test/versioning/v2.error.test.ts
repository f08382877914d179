import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stores, uniqueEmail } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { newKey, startPaymentWorld, type PaymentWorld } from '../payments/support.js';

const eur = (amount: number) => ({ amount, currency: 'EUR' });

/** How v2 refuses: v2 field names in every pointer, v2 paths in every `instance`. */
describe.each(stores)('v2 refusals (%s)', (store) => {
  let world: PaymentWorld;
  let userId: string;
  const v2 = (method: 'GET' | 'POST', url: string, body?: unknown, headers = {}) =>
    call(world.t.app, method, url, { tenant: world.tenant, body, headers });
  const pointers = (problem: Record<string, unknown>) =>
    (problem.errors as { pointer: string; detail: string }[]).map((e) => e.pointer);

  beforeAll(async () => {
    world = await startPaymentWorld(store);
    userId = (await v2('POST', '/v2/users', { email: uniqueEmail('v2err') })).json<{ id: string }>()
      .id;
  });
  afterAll(() => world.close());

  it('items in different currencies: 400 pointing at the item that differs', async () => {
    const problem = expectProblem(
      await v2('POST', '/v2/orders', {
        user_id: userId,
        items: [
          { name: 'A', quantity: 1, unit_price_money: eur(100) },
          { name: 'B', quantity: 1, unit_price_money: { amount: 100, currency: 'USD' } },
        ],
      }),
      400,
      'validation_failed',
    );
    expect(problem.instance).toBe('/v2/orders');
    expect(problem.errors).toEqual([
      {
        in: 'body',
        pointer: '/items/1/unit_price_money/currency',
        detail: 'must be EUR, the currency of the first item',
      },
    ]);
  });

  it('domain validation errors point into the v2 body, not at v1 field names', async () => {
    const unknownCurrency = expectProblem(
      await v2('POST', '/v2/orders', {
        user_id: userId,
        items: [{ name: 'A', quantity: 1, unit_price_money: { amount: 1, currency: 'ABC' } }],
      }),
      400,
      'validation_failed',
    );
    expect(pointers(unknownCurrency)).toEqual(['/items/0/unit_price_money/currency']);
    const missingUser = expectProblem(
      await v2('POST', '/v2/orders', {
        user_id: 'usr_01jdq3z7x8k2m4n6p8r0s2t4v6',
        items: [{ name: 'A', quantity: 1, unit_price_money: eur(1) }],
      }),
      400,
      'validation_failed',
    );
    expect(pointers(missingUser)).toEqual(['/user_id']);
  });

  it('v1 field names are unknown fields in v2', async () => {
    const problem = expectProblem(
      await v2('POST', '/v2/orders', {
        user_id: userId,
        currency: 'EUR',
        items: [{ name: 'A', quantity: 1, unit_amount: 100 }],
      }),
      400,
      'validation_failed',
    );
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { in: 'body', pointer: '/currency', detail: 'is not a known field' },
        { in: 'body', pointer: '/items/0/unit_amount', detail: 'is not a known field' },
        { in: 'body', pointer: '/items/0/unit_price_money', detail: 'is required' },
      ]),
    );
    const list = expectProblem(
      await v2('GET', '/v2/users?starting_after=abc'),
      400,
      'validation_failed',
    );
    expect(pointers(list)).toEqual(['/starting_after']);
  });

  it('a cursor that is not ours: 400 invalid_cursor naming `cursor`', async () => {
    const problem = expectProblem(
      await v2('GET', '/v2/orders?cursor=bm9wZQ'),
      400,
      'invalid_cursor',
    );
    expect(problem.detail).toBe('The cursor is not valid for this list.');
  });

  it('money in the wrong currency: 422 for a payment, 400 for a refund; nothing moves', async () => {
    const order = (
      await v2('POST', '/v2/orders', {
        user_id: userId,
        items: [{ name: 'A', quantity: 1, unit_price_money: eur(1000) }],
      })
    ).json<{ id: string }>();
    const mismatch = expectProblem(
      await v2(
        'POST',
        '/v2/payments',
        {
          order_id: order.id,
          amount_money: { amount: 1000, currency: 'USD' },
          payment_method: 'pm_card_visa',
        },
        { 'idempotency-key': newKey() },
      ),
      422,
      'payment_currency_mismatch',
    );
    expect(mismatch.instance).toBe('/v2/payments');
    const payment = (
      await v2(
        'POST',
        '/v2/payments',
        { order_id: order.id, payment_method: 'pm_card_visa' },
        { 'idempotency-key': newKey() },
      )
    ).json<{ id: string }>();
    const refund = expectProblem(
      await v2(
        'POST',
        `/v2/payments/${payment.id}/refunds`,
        { amount_money: { amount: 10, currency: 'USD' } },
        { 'idempotency-key': newKey() },
      ),
      400,
      'validation_failed',
    );
    expect(refund.errors).toEqual([
      {
        in: 'body',
        pointer: '/amount_money/currency',
        detail: 'must be EUR, the currency of the payment',
      },
    ]);
    expect((await v2('GET', `/v2/payments/${payment.id}`)).json()).toMatchObject({
      refunded_money: eur(0),
    });
    const tooMuch = expectProblem(
      await v2(
        'POST',
        `/v2/payments/${payment.id}/refunds`,
        { amount_money: eur(5000) },
        { 'idempotency-key': newKey() },
      ),
      422,
      'refund_exceeds_payment',
    );
    expect(tooMuch.instance).toBe(`/v2/payments/${payment.id}/refunds`);
  });

  it('a money object is all or nothing, and amounts are positive integers', async () => {
    const partial = expectProblem(
      await v2(
        'POST',
        '/v2/payments',
        {
          order_id: 'ord_01jdq41m2n3p4q5r6s7t8v9w0x',
          amount_money: { amount: 10 },
          payment_method: 'pm_card_visa',
        },
        { 'idempotency-key': newKey() },
      ),
      400,
      'validation_failed',
    );
    expect(pointers(partial)).toContain('/amount_money/currency');
    const zero = expectProblem(
      await v2(
        'POST',
        '/v2/payments',
        {
          order_id: 'ord_01jdq41m2n3p4q5r6s7t8v9w0x',
          amount_money: eur(0),
          payment_method: 'pm_card_visa',
        },
        { 'idempotency-key': newKey() },
      ),
      400,
      'validation_failed',
    );
    expect(pointers(zero)).toContain('/amount_money/amount');
  });
});
