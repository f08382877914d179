import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, stores, createTestTenant } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { freePort } from '../support/process.js';
import { seedOrder, seedUser } from '../support/seed.js';
import {
  FAST_PROCESSOR,
  eventsOf,
  newKey,
  newOrder,
  orderOf,
  pay,
  startPaymentWorld,
  type PaymentWorld,
  type Sandbox,
} from './support.js';
import { startSandboxProcessor } from '../../src/processor/sandbox/server.js';

describe.each(stores)('payments when the processor misbehaves (%s)', (store) => {
  let w: PaymentWorld;
  beforeAll(async () => {
    // Short attempts and deadline: these tests wait for them to pass (the sandbox's hang).
    w = await startPaymentWorld(store, FAST_PROCESSOR);
  });
  afterAll(() => w.close());

  it('retries 5xx within the deadline: pm_card_flaky_2 succeeds with one charge, retries logged', async () => {
    const order = await newOrder(w);
    const response = await pay(w, { order_id: order.id, payment_method: 'pm_card_flaky_2' });
    expect(response.statusCode, response.body).toBe(201);
    const payment = response.json<{ id: string }>();
    expect(response.json()).toMatchObject({ status: 'succeeded' });
    expect(w.sandbox.chargesFor(payment.id)).toBe(1);
    expect(
      w.t.logs.filter(
        (line) => String(line.msg).includes('retry') || line.event === 'processor.retry',
      ).length,
    ).toBeGreaterThanOrEqual(2);
  });

  it('an answer that never comes: 202 requires_reconciliation, then reconciliation finds the charge', async () => {
    const order = await newOrder(w);
    const started = Date.now();
    const response = await pay(w, { order_id: order.id, payment_method: 'pm_card_timeout' });
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(response.statusCode, response.body).toBe(202);
    const payment = response.json<{ id: string }>();
    expect(response.json()).toMatchObject({ status: 'requires_reconciliation' });
    expect(await orderOf(w, order.id)).toMatchObject({ status: 'pending_payment', amount_paid: 0 });

    const decisions = await w.t.app.reconciler!.runOnce();
    expect(decisions).toContainEqual({
      id: payment.id,
      from: 'requires_reconciliation',
      to: 'succeeded',
    });
    expect(await orderOf(w, order.id)).toMatchObject({
      status: 'paid',
      amount_paid: order.total_amount,
    });
    expect(await eventsOf(w, payment.id)).toEqual([
      'payment.created',
      'payment.requires_reconciliation',
      'payment.succeeded',
    ]);
    expect(
      w.t.logs.some((line) => line.event === 'reconciliation.decided' && line.id === payment.id),
    ).toBe(true);
  });

  it('a processor that always fails: outcome unknown, reconciliation finds no charge and frees the balance', async () => {
    const order = await newOrder(w);
    const response = await pay(w, { order_id: order.id, payment_method: 'pm_card_error' });
    expect(response.statusCode).toBe(202);
    const payment = response.json<{ id: string }>();
    await w.t.app.reconciler!.runOnce();
    expect(
      (await call(w.t.app, 'GET', `/v1/payments/${payment.id}`, { tenant: w.tenant })).json(),
    ).toMatchObject({
      status: 'failed',
      decline_code: 'processor_no_record',
    });
    expect(await orderOf(w, order.id)).toMatchObject({ status: 'pending_payment' });
    expect((await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' })).statusCode).toBe(
      201,
    );
  });
});

describe('payments when the processor is down', () => {
  it('fail fast with 503 processor_unavailable and Retry-After; the same key resumes once it is back', async () => {
    // A port nothing listens on yet (fetch refuses well-known ports such as 1 outright).
    const port = await freePort();
    const t = await startApp('sqlite', {
      ...FAST_PROCESSOR,
      PAYMENT_PROCESSOR_URL: `http://127.0.0.1:${port}`,
      PROCESSOR_BREAKER_THRESHOLD: '2',
      PROCESSOR_BREAKER_HALF_OPEN_MS: '1000',
    });
    let sandbox: Sandbox | undefined;
    try {
      const tenant = await createTestTenant(t);
      const order = await seedOrder(t, tenant, await seedUser(t, tenant));
      const key = newKey();
      const send = () =>
        call(t.app, 'POST', '/v1/payments', {
          tenant,
          body: { order_id: order.id, payment_method: 'pm_card_visa' },
          headers: { 'idempotency-key': key },
        });
      for (let i = 0; i < 3; i++) {
        const started = Date.now();
        const response = await send();
        expectProblem(response, 503, 'processor_unavailable');
        expect(Number(response.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        if (i === 2) expect(Date.now() - started).toBeLessThan(200); // breaker open: no waiting
      }
      // Still exactly one payment row, waiting to be resumed by the same key.
      const rows = await t.db.kysely
        .selectFrom('payments')
        .select(['status'])
        .where('order_id', '=', order.id)
        .execute();
      expect(rows).toEqual([{ status: 'processing' }]);

      // The processor comes back on the same address; after the half-open delay the same key
      // resumes the same payment and charges it once.
      sandbox = await startSandboxProcessor({ port });
      await new Promise((resolve) => setTimeout(resolve, 1_100)); // PROCESSOR_BREAKER_HALF_OPEN_MS
      const resumed = await send();
      expect(resumed.statusCode, resumed.body).toBe(201);
      const payment = resumed.json<{ id: string; status: string }>();
      expect(payment.status).toBe('succeeded');
      expect(sandbox.chargesFor(payment.id)).toBe(1);
      expect(
        await t.db.kysely
          .selectFrom('payments')
          .select('id')
          .where('order_id', '=', order.id)
          .execute(),
      ).toEqual([{ id: payment.id }]);
    } finally {
      await t.close();
      await sandbox?.close();
    }
  });
});
