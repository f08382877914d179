import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, stores } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import {
  newKey,
  newOrder,
  orderOf,
  pay,
  refund,
  startPaymentWorld,
  type PaymentWorld,
} from './support.js';

describe.each(stores)('payments and refunds: refusals (%s)', (store) => {
  let w: PaymentWorld;
  beforeAll(async () => {
    w = await startPaymentWorld(store);
  });
  afterAll(() => w.close());

  const countPayments = async () =>
    Number(
      (
        await w.t.db.kysely
          .selectFrom('payments')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('account_id', '=', w.tenant.accountId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('requires an Idempotency-Key on payments and refunds', async () => {
    const order = await newOrder(w);
    expectProblem(
      await call(w.t.app, 'POST', '/v1/payments', {
        tenant: w.tenant,
        body: { order_id: order.id, payment_method: 'pm_card_visa' },
      }),
      400,
      'idempotency_key_missing',
    );
    expectProblem(
      await call(w.t.app, 'POST', '/v1/payments/pay_01jdq6a1b2c3d4e5f6g7h8j9k0/refunds', {
        tenant: w.tenant,
        body: {},
      }),
      400,
      'idempotency_key_missing',
    );
  });

  it('refuses overpaying, another currency, a canceled order and a missing order, charging nothing', async () => {
    const charges = w.sandbox.chargeCount();
    const before = await countPayments();
    const order = await newOrder(w);
    expectProblem(
      await pay(w, {
        order_id: order.id,
        amount: order.total_amount + 1,
        payment_method: 'pm_card_visa',
      }),
      422,
      'amount_exceeds_balance',
    );
    expectProblem(
      await pay(w, { order_id: order.id, currency: 'USD', payment_method: 'pm_card_visa' }),
      422,
      'payment_currency_mismatch',
    );
    expectProblem(
      await pay(w, { order_id: 'ord_01jdq41m2n3p4q5r6s7t8v9w0x', payment_method: 'pm_card_visa' }),
      404,
      'not_found',
    );
    const canceled = await newOrder(w);
    await call(w.t.app, 'POST', `/v1/orders/${canceled.id}/cancel`, { tenant: w.tenant });
    expectProblem(
      await pay(w, { order_id: canceled.id, payment_method: 'pm_card_visa' }),
      409,
      'order_not_payable',
    );
    expect(w.sandbox.chargeCount()).toBe(charges);
    expect(await countPayments()).toBe(before);
    expect(await orderOf(w, order.id)).toMatchObject({ amount_paid: 0 });
  });

  it("another tenant's order is invisible (404) and nothing is charged", async () => {
    const order = await newOrder(w);
    const other = await createTestTenant(w.t, 'other');
    expectProblem(
      await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' }, newKey(), other),
      404,
      'not_found',
    );
    const payment = (await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' })).json<{
      id: string;
    }>();
    expectProblem(
      await call(w.t.app, 'GET', `/v1/payments/${payment.id}`, { tenant: other }),
      404,
      'not_found',
    );
    expectProblem(
      await call(w.t.app, 'POST', `/v1/payments/${payment.id}/refunds`, {
        tenant: other,
        body: {},
        headers: { 'idempotency-key': newKey() },
      }),
      404,
      'not_found',
    );
  });

  it('cancel is refused once an order is paid; refunds never exceed the payment; failed payments are not refundable', async () => {
    const order = await newOrder(w);
    const payment = (await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' })).json<{
      id: string;
      amount: number;
    }>();
    expectProblem(
      await call(w.t.app, 'POST', `/v1/orders/${order.id}/cancel`, { tenant: w.tenant }),
      409,
      'order_not_cancelable',
    );
    expectProblem(
      await refund(w, payment.id, { amount: payment.amount + 1 }),
      422,
      'refund_exceeds_payment',
    );
    await refund(w, payment.id);
    expectProblem(await refund(w, payment.id, { amount: 1 }), 422, 'refund_exceeds_payment');
    const other = await newOrder(w);
    const failed = (await pay(w, { order_id: other.id, payment_method: 'pm_card_declined' })).json<{
      id: string;
    }>();
    expectProblem(await refund(w, failed.id), 409, 'payment_not_refundable');
  });
});
