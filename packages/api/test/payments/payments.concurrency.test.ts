import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stores } from '../support/app.js';
import { expectProblem } from '../support/http.js';
import {
  newKey,
  newOrder,
  orderOf,
  pay,
  refund,
  startPaymentWorld,
  type PaymentWorld,
} from './support.js';

describe.each(stores)('exactly-once payments under retries and races (%s)', (store) => {
  let w: PaymentWorld;
  beforeAll(async () => {
    // The slow token keeps the first request in flight while its duplicates arrive.
    w = await startPaymentWorld(store);
  });
  afterAll(() => w.close());

  it('50 concurrent requests with one key: one charge, one payment, identical answers or 409', async () => {
    const order = await newOrder(w);
    const key = newKey();
    const charges = w.sandbox.chargeCount();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        pay(w, { order_id: order.id, payment_method: 'pm_card_slow' }, key),
      ),
    );
    expect(responses.every((r) => r.statusCode < 500)).toBe(true);
    const created = responses.filter((r) => r.statusCode === 201);
    const inFlight = responses.filter((r) => r.statusCode === 409);
    expect(created.length + inFlight.length).toBe(50);
    expect(created.length).toBeGreaterThanOrEqual(1);
    for (const r of inFlight) {
      expectProblem(r, 409, 'idempotency_request_in_progress');
      expect(r.headers['retry-after']).toBeDefined();
    }
    const bodies = new Set(created.map((r) => r.body));
    expect(bodies.size).toBe(1);
    expect(w.sandbox.chargeCount() - charges).toBe(1);
    const rows = await w.t.db.kysely
      .selectFrom('payments')
      .select('id')
      .where('order_id', '=', order.id)
      .execute();
    expect(rows).toHaveLength(1);

    // A retry after the fact replays the same answer, marked as a replay, without charging.
    const replay = await pay(w, { order_id: order.id, payment_method: 'pm_card_slow' }, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(created[0]!.body);
    expect(w.sandbox.chargeCount() - charges).toBe(1);
  });

  it('many payments of one tenant at once, several to each order, never deadlock: every one succeeds', async () => {
    // The benchmark's payment load: partial payments of one tenant, spread over a few orders, all
    // in flight together. Each moves the order, inserts a payment and bumps the tenant's list
    // generation; with the bump taken mid-transaction (migration 0009) PostgreSQL answered some
    // with "deadlock detected" (500). Migration 0010 bumps at commit.
    const orders = await Promise.all(Array.from({ length: 4 }, () => newOrder(w)));
    const responses = await Promise.all(
      Array.from({ length: 96 }, (_, i) =>
        pay(w, {
          order_id: orders[i % orders.length]!.id,
          amount: 1,
          payment_method: 'pm_card_visa',
        }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(
      statuses.filter((s) => s !== 201),
      responses.find((r) => r.statusCode !== 201)?.body,
    ).toEqual([]);
    for (const order of orders) {
      const paid = await w.t.db.kysely
        .selectFrom('payments')
        .select('id')
        .where('order_id', '=', order.id)
        .execute();
      expect(paid).toHaveLength(24);
    }
  });

  it('the same key with another body is 422 and changes nothing', async () => {
    const order = await newOrder(w);
    const key = newKey();
    expect(
      (await pay(w, { order_id: order.id, amount: 100, payment_method: 'pm_card_visa' }, key))
        .statusCode,
    ).toBe(201);
    expectProblem(
      await pay(w, { order_id: order.id, amount: 200, payment_method: 'pm_card_visa' }, key),
      422,
      'idempotency_key_reused',
    );
    expect(await orderOf(w, order.id)).toMatchObject({ amount_paid: 100 });
  });

  it('two payments with different keys racing for one balance never overpay', async () => {
    const order = await newOrder(w);
    const responses = await Promise.all(
      Array.from({ length: 6 }, () =>
        pay(w, { order_id: order.id, payment_method: 'pm_card_visa' }),
      ),
    );
    const ok = responses.filter((r) => r.statusCode === 201);
    expect(ok).toHaveLength(1);
    for (const r of responses.filter((r) => r.statusCode !== 201))
      expectProblem(r, r.statusCode, r.json<{ code: string }>().code);
    expect(await orderOf(w, order.id)).toMatchObject({
      status: 'paid',
      amount_paid: order.total_amount,
    });
  });

  it('concurrent refunds never add up to more than was captured', async () => {
    const order = await newOrder(w, 3);
    const payment = (await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' })).json<{
      id: string;
      amount: number;
    }>();
    const share = Math.floor(payment.amount * 0.3);
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => refund(w, payment.id, { amount: share })),
    );
    const ok = responses.filter((r) => r.statusCode === 201);
    expect(ok).toHaveLength(3);
    expect(responses.every((r) => r.statusCode === 201 || r.statusCode === 422)).toBe(true);
    const refunded = await w.t.db.kysely
      .selectFrom('payments')
      .select(['amount_refunded', 'amount_refund_pending'])
      .where('id', '=', payment.id)
      .executeTakeFirstOrThrow();
    expect(refunded).toEqual({ amount_refunded: 3 * share, amount_refund_pending: 0 });
    expect(w.sandbox.refundCount()).toBeGreaterThanOrEqual(3);
  });
});
