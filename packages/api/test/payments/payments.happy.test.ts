import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stores } from '../support/app.js';
import { call } from '../support/http.js';
import {
  eventsOf,
  newOrder,
  orderOf,
  pay,
  refund,
  startPaymentWorld,
  type PaymentWorld,
} from './support.js';

interface PaymentBody {
  id: string;
  status: string;
  amount: number;
  decline_code: string | null;
  amount_refunded: number;
}

describe.each(stores)('payments and refunds: happy paths (%s)', (store) => {
  let w: PaymentWorld;
  beforeAll(async () => {
    w = await startPaymentWorld(store);
  });
  afterAll(() => w.close());

  it('pays an order in full: one charge, order paid, events written', async () => {
    const order = await newOrder(w);
    const charges = w.sandbox.chargeCount();
    const response = await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' });
    expect(response.statusCode, response.body).toBe(201);
    const payment = response.json<PaymentBody>();
    expect(payment).toMatchObject({
      object: 'payment',
      order_id: order.id,
      amount: order.total_amount,
      currency: 'EUR',
      status: 'succeeded',
      decline_code: null,
    });
    expect(response.headers.location).toBe(`${w.t.config.publicBaseUrl}/v1/payments/${payment.id}`);
    expect(w.sandbox.chargeCount() - charges).toBe(1);
    expect(w.sandbox.chargesFor(payment.id)).toBe(1);
    expect(await orderOf(w, order.id)).toMatchObject({
      status: 'paid',
      amount_paid: order.total_amount,
    });
    expect(await eventsOf(w, payment.id)).toEqual(['payment.created', 'payment.succeeded']);
    expect(
      (await call(w.t.app, 'GET', `/v1/payments/${payment.id}`, { tenant: w.tenant })).json(),
    ).toEqual(payment);
  });

  it('pays in two parts; the order is paid once the total is covered', async () => {
    const order = await newOrder(w);
    const first = await pay(w, { order_id: order.id, amount: 100, payment_method: 'pm_card_visa' });
    expect(first.json()).toMatchObject({ status: 'succeeded', amount: 100 });
    expect(await orderOf(w, order.id)).toMatchObject({
      status: 'pending_payment',
      amount_paid: 100,
    });
    const rest = await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' });
    expect(rest.json()).toMatchObject({ status: 'succeeded', amount: order.total_amount - 100 });
    expect(await orderOf(w, order.id)).toMatchObject({
      status: 'paid',
      amount_paid: order.total_amount,
    });
  });

  it('a declined charge is a failed payment with its decline code, and frees the balance', async () => {
    const order = await newOrder(w);
    const declined = await pay(w, {
      order_id: order.id,
      payment_method: 'pm_card_insufficient_funds',
    });
    expect(declined.statusCode).toBe(201);
    const payment = declined.json<PaymentBody>();
    expect(payment).toMatchObject({ status: 'failed', decline_code: 'insufficient_funds' });
    expect(await eventsOf(w, payment.id)).toEqual(['payment.created', 'payment.failed']);
    expect(await orderOf(w, order.id)).toMatchObject({ status: 'pending_payment', amount_paid: 0 });
    expect(
      (await pay(w, { order_id: order.id, payment_method: 'pm_card_declined' })).json(),
    ).toMatchObject({ decline_code: 'card_declined' });
    expect(
      (await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' })).json(),
    ).toMatchObject({ status: 'succeeded' });
  });

  it('refunds partly, then the rest: order partially_refunded, then refunded', async () => {
    const order = await newOrder(w);
    const payment = (
      await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' })
    ).json<PaymentBody>();
    const part = await refund(w, payment.id, { amount: 200 });
    expect(part.statusCode, part.body).toBe(201);
    const first = part.json<{ id: string }>();
    expect(part.json()).toMatchObject({
      object: 'refund',
      payment_id: payment.id,
      amount: 200,
      status: 'succeeded',
    });
    expect(await orderOf(w, order.id)).toMatchObject({
      status: 'partially_refunded',
      amount_refunded: 200,
    });
    const rest = await refund(w, payment.id);
    expect(rest.json()).toMatchObject({ amount: order.total_amount - 200, status: 'succeeded' });
    expect(await orderOf(w, order.id)).toMatchObject({
      status: 'refunded',
      amount_refunded: order.total_amount,
    });
    expect(
      (await call(w.t.app, 'GET', `/v1/payments/${payment.id}`, { tenant: w.tenant })).json(),
    ).toMatchObject({ amount_refunded: order.total_amount });
    expect(
      (await call(w.t.app, 'GET', `/v1/refunds/${first.id}`, { tenant: w.tenant })).json(),
    ).toMatchObject({ id: first.id, amount: 200 });
    const listed = (
      await call(w.t.app, 'GET', `/v1/payments/${payment.id}/refunds`, { tenant: w.tenant })
    ).json<{ data: { id: string }[] }>();
    expect(listed.data).toHaveLength(2);
    expect(await eventsOf(w, first.id)).toEqual(['refund.created', 'refund.succeeded']);
  });

  it('lists payments with filters', async () => {
    const order = await newOrder(w);
    const ok = (
      await pay(w, { order_id: order.id, amount: 50, payment_method: 'pm_card_visa' })
    ).json<PaymentBody>();
    const failed = (
      await pay(w, { order_id: order.id, amount: 50, payment_method: 'pm_card_declined' })
    ).json<PaymentBody>();
    const byOrder = (
      await call(w.t.app, 'GET', `/v1/payments?order_id=${order.id}`, { tenant: w.tenant })
    ).json<{ data: PaymentBody[] }>();
    expect(byOrder.data.map((p) => p.id)).toEqual([failed.id, ok.id]);
    const onlyFailed = (
      await call(w.t.app, 'GET', `/v1/payments?order_id=${order.id}&status=failed`, {
        tenant: w.tenant,
      })
    ).json<{ data: PaymentBody[] }>();
    expect(onlyFailed.data.map((p) => p.id)).toEqual([failed.id]);
  });
});
