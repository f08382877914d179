import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresUrl } from '../../src/db/database.js';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call } from '../support/http.js';
import { ownPostgresDatabase } from '../support/own-database.js';
import { spawnServer, type Server } from '../support/process.js';
import { seedOrder, seedUser } from '../support/seed.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

const BASE_URL = process.env.DATABASE_URL ?? '';

async function until(
  condition: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const WORKER = {
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '20',
  WEBHOOK_BATCH_SIZE: '5',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_LEASE_MS: '1500',
};

describe.skipIf(!isPostgresUrl(BASE_URL))('webhooks across instances on PostgreSQL', () => {
  let databaseUrl: string;
  let receiver: Receiver;
  beforeAll(async () => {
    databaseUrl = await ownPostgresDatabase('steadfast_webhook_instances');
    receiver = await startReceiver();
  });
  afterAll(() => receiver.close());

  it('two instances deliver each event to each endpoint exactly once', async () => {
    const env = { ...WORKER, DATABASE_URL: databaseUrl };
    const a = await startApp('postgres', env);
    const b = await startApp('postgres', env);
    try {
      const tenant = await createTestTenant(a);
      for (const path of ['one', 'two']) {
        const created = await call(a.app, 'POST', '/v1/webhook_endpoints', {
          tenant,
          body: {
            url: `${receiver.url}/${path}`,
            event_types: ['order.created', 'order.canceled'],
          },
        });
        expect(created.statusCode, created.body).toBe(201);
      }
      const user = await seedUser(a, tenant);
      const ORDERS = 40;
      // Written through both instances, concurrently with both workers delivering.
      await Promise.all(
        Array.from({ length: ORDERS }, (_, i) => seedOrder(i % 2 ? a : b, tenant, user, 1)),
      );
      const expected = ORDERS * 2;
      await until(() => receiver.arrivals.length >= expected, `${expected} deliveries`);
      // Nothing pending, and a few more worker passes bring no duplicate.
      await until(
        async () =>
          (
            await a.db.kysely
              .selectFrom('webhook_deliveries')
              .select((eb) => eb.fn.countAll<string>().as('n'))
              .where('status', '!=', 'succeeded')
              .executeTakeFirstOrThrow()
          ).n.toString() === '0',
        'all deliveries recorded',
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      const perPair = new Map<string, number>();
      for (const arrival of receiver.arrivals) {
        const key = `${String(arrival.headers['webhook-id'])}|${arrival.url}`;
        perPair.set(key, (perPair.get(key) ?? 0) + 1);
      }
      expect(receiver.arrivals).toHaveLength(expected);
      expect(perPair.size).toBe(expected);
      expect([...perPair.values()].every((n) => n === 1)).toBe(true);
      const byA = a.logs.filter((l) => l.event === 'webhook.delivered').length;
      const byB = b.logs.filter((l) => l.event === 'webhook.delivered').length;
      expect(byA + byB).toBe(expected);
      console.info(`exactly-once: ${expected} deliveries, instance A sent ${byA}, B sent ${byB}`);
    } finally {
      receiver.arrivals.length = 0;
      await a.close();
      await b.close();
    }
  });

  it('kill -9 of a worker mid-delivery: the delivery is retried by another instance, not lost', async () => {
    let child: Server | undefined;
    const t: TestApp = await startApp('postgres', {
      DATABASE_URL: databaseUrl,
      WEBHOOK_WORKER_ENABLED: 'false',
      WEBHOOK_ALLOW_LOOPBACK: 'true',
    });
    let survivor: TestApp | undefined;
    try {
      const tenant: Tenant = await createTestTenant(t);
      const created = await call(t.app, 'POST', '/v1/webhook_endpoints', {
        tenant,
        body: { url: `${receiver.url}/kill`, event_types: ['order.created'] },
      });
      const { secret } = created.json<{ secret: string }>();
      receiver.trust(secret);
      receiver.answer({ kind: 'hang' });
      // A separate process: the API with its worker, killed while the receiver holds its request.
      child = await spawnServer({ ...WORKER, NODE_ENV: 'test', DATABASE_URL: databaseUrl });
      await seedOrder(t, tenant, await seedUser(t, tenant), 1);
      await until(() => receiver.arrivals.length === 1, 'the first attempt to arrive');
      child.process.kill('SIGKILL');
      await child.exited;
      const [delivery] = await t.db.kysely
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('account_id', '=', tenant.accountId)
        .execute();
      expect(delivery).toMatchObject({ status: 'pending', attempts: 1 });
      expect(delivery!.claimed_by).not.toBeNull();
      // The dead worker's lease (1.5 s) ends; a surviving instance's worker takes the delivery over.
      survivor = await startApp('postgres', { ...WORKER, DATABASE_URL: databaseUrl });
      await until(() => receiver.arrivals.length === 2, 'the retry to arrive');
      const ids = receiver.arrivals.map((r) => r.headers['webhook-id']);
      expect(ids[0]).toBe(ids[1]);
      expect(receiver.arrivals[1]!.verified).toBe(true);
      await until(async () => {
        const row = await t.db.kysely
          .selectFrom('webhook_deliveries')
          .select(['status', 'attempts'])
          .where('id', '=', delivery!.id)
          .executeTakeFirstOrThrow();
        return row.status === 'succeeded' && row.attempts === 2;
      }, 'the delivery to be recorded as succeeded');
    } finally {
      await child?.kill();
      await survivor?.close();
      await t.close();
    }
  });
});
