import { randomUUID } from 'node:crypto';
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueEmail } from '../support/app.js';
import { startPaymentWorld, type PaymentWorld } from '../payments/support.js';
import { contractValidator } from './contract-validator.js';
import type { paths as V1 } from './generated/openapi-v1.js';
import type { paths as V2 } from './generated/openapi-v2.js';

/**
 * The published contract drives a live server: a client generated from openapi/v2.json
 * (openapi-typescript + openapi-fetch) runs the main flow — user → order → pay → refund — over
 * a real socket, and every response is checked against the document's schemas. A document that
 * drifted from the behaviour fails here, at compile time (the typed calls) or at run time.
 */
describe('the typed client generated from the contract drives the live API', () => {
  let world: PaymentWorld;
  let baseUrl: string;

  beforeAll(async () => {
    world = await startPaymentWorld('sqlite');
    baseUrl = await world.t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(() => world.close());

  it('v2: create user → order → pay → refund, every response as documented', async () => {
    const contract = contractValidator('v2');
    const api = createClient<V2>({ baseUrl, headers: world.tenant.headers });
    api.use(contract.middleware);
    const key = () => ({ 'idempotency-key': randomUUID() });

    const user = await api.POST('/v2/users', {
      body: { email: uniqueEmail('typed'), name: 'Typed Client' },
      params: { header: key() },
    });
    expect(user.response.status).toBe(201);
    const userId = user.data!.id;

    const order = await api.POST('/v2/orders', {
      body: {
        user_id: userId,
        items: [
          {
            name: 'Notebook',
            sku: 'NB-A5',
            quantity: 3,
            unit_price_money: { amount: 1500, currency: 'EUR' },
          },
          { name: 'Pen', quantity: 2, unit_price_money: { amount: 250, currency: 'EUR' } },
        ],
      },
      params: { header: key() },
    });
    expect(order.response.status).toBe(201);
    expect(order.data!.total_money).toEqual({ amount: 5000, currency: 'EUR' });
    const orderId = order.data!.id;

    const payment = await api.POST('/v2/payments', {
      body: { order_id: orderId, payment_method: 'pm_card_visa' },
      params: { header: key() },
    });
    expect(payment.response.status).toBe(201);
    expect(payment.data!.status).toBe('succeeded');
    const paymentId = payment.data!.id;

    const refund = await api.POST('/v2/payments/{id}/refunds', {
      params: { path: { id: paymentId }, header: key() },
      body: { amount_money: { amount: 1200, currency: 'EUR' } },
    });
    expect(refund.response.status).toBe(201);
    expect(refund.data!.amount_money).toEqual({ amount: 1200, currency: 'EUR' });

    const read = await api.GET('/v2/orders/{id}', { params: { path: { id: orderId } } });
    expect(read.data).toMatchObject({
      status: 'partially_refunded',
      paid_money: { amount: 5000, currency: 'EUR' },
      refunded_money: { amount: 1200, currency: 'EUR' },
    });
    const etag = read.response.headers.get('etag')!;
    const notModified = await api.GET('/v2/orders/{id}', {
      params: { path: { id: orderId }, header: { 'if-none-match': etag } },
    });
    expect(notModified.response.status).toBe(304);
    const payments = await api.GET('/v2/payments', { params: { query: { order_id: orderId } } });
    expect(payments.data!.data.map((p) => p.id)).toEqual([paymentId]);
    const refunds = await api.GET('/v2/payments/{id}/refunds', {
      params: { path: { id: paymentId } },
    });
    expect(refunds.data!.pagination.has_more).toBe(false);
    await api.GET('/v2/refunds/{id}', { params: { path: { id: refund.data!.id } } });
    const users = await api.GET('/v2/users', { params: { query: { limit: 1 } } });
    expect(users.data!.data).toHaveLength(1);

    // Refusals are part of the contract too.
    const missingKey = await api.POST('/v2/payments', {
      body: { order_id: orderId, payment_method: 'pm_card_visa' },
      params: { header: {} as { 'idempotency-key': string } },
    });
    expect(missingKey.error).toMatchObject({ code: 'idempotency_key_missing' });
    const tooMuch = await api.POST('/v2/payments/{id}/refunds', {
      params: { path: { id: paymentId }, header: key() },
      body: { amount_money: { amount: 999_999, currency: 'EUR' } },
    });
    expect(tooMuch.error).toMatchObject({ code: 'refund_exceeds_payment', status: 422 });
    const invalid = await api.POST('/v2/users', { body: { email: 'not-an-email' } });
    expect(invalid.error).toMatchObject({ code: 'validation_failed' });
    const missing = await api.GET('/v2/users/{id}', {
      params: { path: { id: 'usr_01jdq3z7x8k2m4n6p8r0s2t4v6' } },
    });
    expect(missing.response.status).toBe(404);

    expect(contract.checked.length).toBe(14);
    expect(contract.checked.filter((c) => c.problems.length > 0)).toEqual([]);
  });

  it('v1 (deprecated) still matches its own contract, retirement headers included', async () => {
    const contract = contractValidator('v1');
    const api = createClient<V1>({ baseUrl, headers: world.tenant.headers });
    api.use(contract.middleware);
    const user = await api.POST('/v1/users', { body: { email: uniqueEmail('typed-v1') } });
    const order = await api.POST('/v1/orders', {
      body: {
        user_id: user.data!.id,
        currency: 'EUR',
        items: [{ name: 'Lamp', quantity: 1, unit_amount: 3000 }],
      },
    });
    const payment = await api.POST('/v1/payments', {
      body: { order_id: order.data!.id, payment_method: 'pm_card_visa' },
      params: { header: { 'idempotency-key': randomUUID() } },
    });
    expect(payment.data).toMatchObject({ amount: 3000, currency: 'EUR', status: 'succeeded' });
    const refund = await api.POST('/v1/payments/{id}/refunds', {
      params: { path: { id: payment.data!.id }, header: { 'idempotency-key': randomUUID() } },
      body: { amount: 500 },
    });
    expect(refund.data).toMatchObject({ amount: 500 });
    expect(refund.response.headers.get('deprecation')).toMatch(/^@\d+$/);
    const list = await api.GET('/v1/orders', { params: { query: { limit: 1 } } });
    expect(list.data).toMatchObject({ object: 'list', has_more: expect.any(Boolean) });

    expect(contract.checked.length).toBe(5);
    expect(contract.checked.filter((c) => c.problems.length > 0)).toEqual([]);
  });

  it('the validator is not a rubber stamp: a response that breaks the contract is reported', async () => {
    const contract = contractValidator('v2');
    const api = createClient<V2>({ baseUrl, headers: world.tenant.headers });
    api.use(contract.middleware);
    // A v1 body checked against the v2 operation: the shapes differ, so it must be flagged.
    api.use({
      onRequest: ({ request }) => new Request(request.url.replace('/v2/', '/v1/'), request),
    });
    await api.GET('/v2/users', {});
    expect(contract.checked).toEqual([
      expect.objectContaining({
        operation: 'GET /v2/users',
        problems: expect.arrayContaining([expect.stringMatching(/pagination|additional/)]),
      }),
    ]);
  });
});
