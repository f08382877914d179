import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeliveryWorker } from '../../src/modules/webhooks/worker.js';
import { stores } from '../support/app.js';
import { call } from '../support/http.js';
import { ownPostgresDatabase } from '../support/own-database.js';
import { webhookContract } from '../support/webhook-contract.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';
import {
  newOrder,
  pay,
  refund,
  startPaymentWorld,
  type PaymentWorld,
} from '../payments/support.js';

describe.each(stores)(
  'the outbox: every client-facing change is an event and a delivery (%s)',
  (store) => {
    let w: PaymentWorld;
    let receiver: Receiver;
    beforeAll(async () => {
      const env: Record<string, string> = {
        WEBHOOK_WORKER_ENABLED: 'false',
        WEBHOOK_ALLOW_LOOPBACK: 'true',
      };
      // Its deliveries must not be claimed by the workers of suites running beside it.
      if (store === 'postgres')
        env.DATABASE_URL = await ownPostgresDatabase('steadfast_webhook_outbox');
      w = await startPaymentWorld(store, env);
      receiver = await startReceiver();
    });
    afterAll(async () => {
      await receiver.close();
      await w.close();
    });

    it('orders, payments and refunds each produce their event, committed with the change, and all arrive signed', async () => {
      const created = await call(w.t.app, 'POST', '/v1/webhook_endpoints', {
        tenant: w.tenant,
        body: { url: receiver.url, event_types: ['*'] },
      });
      expect(created.statusCode, created.body).toBe(201);
      receiver.trust(created.json<{ secret: string }>().secret);
      const ignored = await call(w.t.app, 'POST', '/v1/webhook_endpoints', {
        tenant: w.tenant,
        body: { url: receiver.url, event_types: ['refund.failed'] },
      });
      const ignoredId = ignored.json<{ id: string }>().id;

      const order = await newOrder(w);
      const payment = await pay(w, { order_id: order.id, payment_method: 'pm_card_visa' });
      expect(payment.statusCode, payment.body).toBe(201);
      const paymentId = payment.json<{ id: string }>().id;
      const refunded = await refund(w, paymentId, { amount: 100 });
      expect(refunded.statusCode, refunded.body).toBe(201);
      const other = await newOrder(w);
      expect(
        (await call(w.t.app, 'POST', `/v1/orders/${other.id}/cancel`, { tenant: w.tenant }))
          .statusCode,
      ).toBe(200);

      // Every event of the account has exactly one delivery to the `*` endpoint, none to the other.
      const rows = await w.t.db.kysely
        .selectFrom('events as e')
        .leftJoin('webhook_deliveries as d', 'd.event_id', 'e.id')
        .select(['e.type', 'd.endpoint_id'])
        .where('e.account_id', '=', w.tenant.accountId)
        .orderBy('e.id')
        .execute();
      const types = rows.map((r) => r.type);
      expect(types).toEqual([
        'order.created',
        'payment.created',
        'payment.succeeded',
        'refund.created',
        'refund.succeeded',
        'order.created',
        'order.canceled',
      ]);
      expect(rows.every((r) => r.endpoint_id === created.json<{ id: string }>().id)).toBe(true);

      const worker = createDeliveryWorker({
        db: w.t.db.kysely,
        dialect: w.t.db.dialect,
        settings: w.t.config.webhooks,
        guard: { requireHttps: false, allowLoopback: true },
        log: w.t.app.log,
      });
      expect(await worker.runOnce()).toBe(types.length);
      expect(receiver.arrivals.map((a) => (JSON.parse(a.body) as { type: string }).type)).toEqual(
        types,
      );
      expect(receiver.arrivals.every((a) => a.verified)).toBe(true);
      // Each body is what the published contract's `webhooks` section says of its type.
      const contract = webhookContract();
      for (const arrival of receiver.arrivals)
        expect(contract.check(JSON.parse(arrival.body))).toEqual([]);
      expect(contract.check({ type: 'order.shipped' })).toEqual([
        'no webhook is documented for type order.shipped',
      ]);
      const log = await call(w.t.app, 'GET', `/v2/webhook_endpoints/${ignoredId}/deliveries`, {
        tenant: w.tenant,
      });
      expect(log.json()).toMatchObject({ data: [] });
    });
  },
);
