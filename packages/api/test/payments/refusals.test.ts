import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, stores, type Store } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import {
  FAST_PROCESSOR,
  eventsOf,
  newKey,
  newOrder,
  orderOf,
  pay,
  refund,
  startPaymentWorld,
  type PaymentWorld,
} from './support.js';

/**
 * Every way the processor can refuse or garble a call must leave the order payable again as soon
 * as the docs promise (README "Payments", outcomes table): at once for a refusal, after one
 * reconciliation pass for an unknown outcome. Nothing may answer 500 or hold the balance.
 */

describe.each(stores)('an unknown payment method (%s)', (store) => {
  let w: PaymentWorld;
  beforeAll(async () => {
    w = await startPaymentWorld(store);
  });
  afterAll(() => w.close());

  it('is a 422 payment_method_unknown, charges and holds nothing, and the order is payable at once', async () => {
    const order = await newOrder(w);
    const key = newKey();
    const charges = w.sandbox.chargeCount();
    const refused = await pay(w, { order_id: order.id, payment_method: 'pm_2j' }, key);
    expectProblem(refused, 422, 'payment_method_unknown');
    expect(w.sandbox.chargeCount()).toBe(charges);
    expect(await orderOf(w, order.id)).toMatchObject({ status: 'pending_payment', amount_paid: 0 });

    // The same key replays the refusal (the recorded body, so the first request's request_id).
    const replay = await pay(w, { order_id: order.id, payment_method: 'pm_2j' }, key);
    expect(replay.statusCode).toBe(422);
    expect(replay.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(replay.json()).toEqual(refused.json());
    const listed = await call(w.t.app, 'GET', `/v1/payments?order_id=${order.id}`, {
      tenant: w.tenant,
    });
    const payments = listed.json<{ data: { id: string; status: string; decline_code: string }[] }>()
      .data;
    expect(payments).toHaveLength(1);
    expect(payments[0]).toMatchObject({ status: 'failed', decline_code: 'payment_method_unknown' });
    expect(await eventsOf(w, payments[0]!.id)).toEqual(['payment.created', 'payment.failed']);
    expect(
      w.t.logs.some(
        (line) => line.event === 'processor.rejected' && line.reason === 'payment_method_unknown',
      ),
    ).toBe(true);

    const paid = await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' });
    expect(paid.statusCode, paid.body).toBe(201);
    expect(await orderOf(w, order.id)).toMatchObject({
      status: 'paid',
      amount_paid: order.total_amount,
    });
  });

  it('is the same 422 in v2, and the order stays payable', async () => {
    const order = await newOrder(w);
    const refused = await call(w.t.app, 'POST', '/v2/payments', {
      tenant: w.tenant,
      body: { order_id: order.id, payment_method: 'pm_zz_9' },
      headers: { 'idempotency-key': newKey() },
    });
    expectProblem(refused, 422, 'payment_method_unknown');
    const paid = await call(w.t.app, 'POST', '/v2/payments', {
      tenant: w.tenant,
      body: { order_id: order.id, payment_method: 'pm_card_visa' },
      headers: { 'idempotency-key': newKey() },
    });
    expect(paid.statusCode, paid.body).toBe(201);
  });
});

/** A processor that answers each charge and refund as the test scripts it, by payment method. */
async function scriptedProcessor() {
  const charges = new Map<string, { id: string; amount: number; currency: string }>();
  let refundAnswer: { status: number; body: unknown } = { status: 422, body: {} };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://processor');
      const key = String(
        request.headers['idempotency-key'] ?? url.searchParams.get('idempotency_key'),
      );
      const send = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.method === 'GET') {
        const charge = url.pathname === '/v1/charges' ? charges.get(key) : undefined;
        if (charge) return send(200, { ...charge, status: 'succeeded' });
        return send(404, { error: { type: 'resource_missing' } });
      }
      const body = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      if (url.pathname === '/v1/refunds') return send(refundAnswer.status, refundAnswer.body);
      const charge = {
        id: `ch_${key}`,
        amount: Number(body.amount),
        currency: String(body.currency),
      };
      switch (body.payment_method) {
        case 'pm_card_visa':
          charges.set(key, charge);
          return send(201, { ...charge, status: 'succeeded' });
        case 'pm_bad_request':
          return send(400, {
            error: { type: 'invalid_request_error', message: 'amount too large' },
          });
        case 'pm_stripe_missing':
          return send(400, {
            error: {
              type: 'invalid_request_error',
              code: 'resource_missing',
              param: 'payment_method',
            },
          });
        case 'pm_key_conflict':
          return send(422, { error: { type: 'idempotency_error' } });
        case 'pm_garbled':
          return send(201, { hello: 'world' });
        default:
          return send(418, 'not json at all');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    answerRefunds: (status: number, body: unknown) => {
      refundAnswer = { status, body };
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

describe.each(stores)('every processor refusal and garbled answer (%s)', (store: Store) => {
  let processor: Awaited<ReturnType<typeof scriptedProcessor>>;
  let w: PaymentWorld;
  beforeAll(async () => {
    processor = await scriptedProcessor();
    const t = await startApp(store, { PAYMENT_PROCESSOR_URL: processor.url, ...FAST_PROCESSOR });
    const tenant = await createTestTenant(t);
    w = {
      t,
      tenant,
      sandbox: undefined as never,
      close: async () => {
        await t.close();
        await processor.close();
      },
    };
  });
  afterAll(() => w.close());

  const getPayment = async (id: string) =>
    (await call(w.t.app, 'GET', `/v1/payments/${id}`, { tenant: w.tenant })).json<{
      status: string;
      decline_code: string | null;
    }>();

  it.each([
    ['a malformed request (400)', 'pm_bad_request', 'processor_rejected'],
    ['an unexpected 4xx without a JSON body', 'pm_teapot', 'processor_rejected'],
  ])(
    '%s: the payment fails at once, nothing held, the order payable again',
    async (_what, method, declineCode) => {
      const order = await newOrder(w);
      const response = await pay(w, { order_id: order.id, payment_method: method });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({ status: 'failed', decline_code: declineCode });
      const paid = await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' });
      expect(paid.statusCode, paid.body).toBe(201);
      expect(paid.json()).toMatchObject({ status: 'succeeded' });
    },
  );

  it('a Stripe-style "no such payment_method" is the documented 422', async () => {
    const order = await newOrder(w);
    expectProblem(
      await pay(w, { order_id: order.id, payment_method: 'pm_stripe_missing' }),
      422,
      'payment_method_unknown',
    );
    expect((await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' })).statusCode).toBe(
      201,
    );
  });

  it.each([
    ['a garbled 2xx answer', 'pm_garbled'],
    ['a key the processor says it used for another request', 'pm_key_conflict'],
  ])(
    '%s: outcome unknown (202), and one reconciliation pass frees the balance',
    async (_what, method) => {
      const order = await newOrder(w);
      const response = await pay(w, { order_id: order.id, payment_method: method });
      expect(response.statusCode, response.body).toBe(202);
      const payment = response.json<{ id: string }>();
      expect(await getPayment(payment.id)).toMatchObject({ status: 'requires_reconciliation' });
      await w.t.app.reconciler!.runOnce();
      expect(await getPayment(payment.id)).toMatchObject({
        status: 'failed',
        decline_code: 'processor_no_record',
      });
      expect(
        (await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' })).statusCode,
      ).toBe(201);
    },
  );

  it('a refused refund fails at once and releases the amount it held', async () => {
    const order = await newOrder(w);
    const payment = (await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' })).json<{
      id: string;
      amount: number;
    }>();
    processor.answerRefunds(422, { error: { type: 'invalid_request_error' } });
    const refused = await refund(w, payment.id, {});
    expect(refused.statusCode, refused.body).toBe(201);
    expect(refused.json()).toMatchObject({ status: 'failed' });

    processor.answerRefunds(201, { id: 're_1', status: 'succeeded', amount: payment.amount });
    const refunded = await refund(w, payment.id, {});
    expect(refunded.statusCode, refunded.body).toBe(201);
    expect(refunded.json()).toMatchObject({ status: 'succeeded', amount: payment.amount });
    expect(await orderOf(w, order.id)).toMatchObject({ amount_refunded: payment.amount });
  });
});
