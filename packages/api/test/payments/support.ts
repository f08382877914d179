import { randomUUID } from 'node:crypto';
import { startSandboxProcessor } from '../../src/processor/sandbox/server.js';
import {
  createTestTenant,
  startApp,
  type Store,
  type Tenant,
  type TestApp,
} from '../support/app.js';
import { call } from '../support/http.js';
import { seedOrder, seedUser } from '../support/seed.js';

export type Sandbox = Awaited<ReturnType<typeof startSandboxProcessor>>;

/** Small processor timings so failure paths finish in about a second. */
export const FAST_PROCESSOR = {
  PROCESSOR_ATTEMPT_TIMEOUT_MS: '300',
  PROCESSOR_DEADLINE_MS: '1200',
  PROCESSOR_MAX_ATTEMPTS: '3',
  PROCESSOR_BREAKER_THRESHOLD: '50',
  PROCESSOR_BREAKER_HALF_OPEN_MS: '1000',
  RECONCILE_STALE_AFTER_MS: '0',
};

/**
 * The processor timings of a payment world unless a test asks for FAST_PROCESSOR's: attempts long
 * enough that a charge to the loopback sandbox never times out because two cores are running the
 * whole suite (a timed-out attempt is retried, and a test asserting 201 would see 202). Tests of
 * timeouts and deadlines pass FAST_PROCESSOR and use the sandbox's slow and hanging methods.
 */
export const PATIENT_PROCESSOR = {
  ...FAST_PROCESSOR,
  PROCESSOR_ATTEMPT_TIMEOUT_MS: '5000',
  PROCESSOR_DEADLINE_MS: '15000',
};

export interface PaymentWorld {
  t: TestApp;
  sandbox: Sandbox;
  tenant: Tenant;
  close: () => Promise<void>;
}

/** The real API on `store` wired to a real sandbox processor on loopback. */
export async function startPaymentWorld(
  store: Store,
  env: Record<string, string> = {},
): Promise<PaymentWorld> {
  const sandbox = await startSandboxProcessor({ slowMs: 100, hangMs: 5_000 });
  const t = await startApp(store, {
    PAYMENT_PROCESSOR_URL: sandbox.url,
    ...PATIENT_PROCESSOR,
    ...env,
  });
  const tenant = await createTestTenant(t);
  return {
    t,
    sandbox,
    tenant,
    close: async () => {
      await t.close();
      await sandbox.close();
    },
  };
}

/** An order of `items` × 1000 (EUR) for a fresh user. */
export async function newOrder(world: PaymentWorld, items = 2) {
  const userId = await seedUser(world.t, world.tenant);
  return seedOrder(world.t, world.tenant, userId, items);
}

export const newKey = () => `test-${randomUUID()}`;

export function pay(
  world: PaymentWorld,
  body: Record<string, unknown>,
  key = newKey(),
  tenant = world.tenant,
) {
  return call(world.t.app, 'POST', '/v1/payments', {
    tenant,
    body,
    headers: { 'idempotency-key': key },
  });
}

export function refund(
  world: PaymentWorld,
  paymentId: string,
  body: Record<string, unknown> = {},
  key = newKey(),
) {
  return call(world.t.app, 'POST', `/v1/payments/${paymentId}/refunds`, {
    tenant: world.tenant,
    body,
    headers: { 'idempotency-key': key },
  });
}

export async function orderOf(world: PaymentWorld, id: string) {
  return (await call(world.t.app, 'GET', `/v1/orders/${id}`, { tenant: world.tenant })).json<{
    status: string;
    total_amount: number;
    amount_paid: number;
    amount_refunded: number;
  }>();
}

export async function eventsOf(world: PaymentWorld, resourceId: string): Promise<string[]> {
  const rows = await world.t.db.kysely
    .selectFrom('events')
    .select('type')
    .where('resource_id', '=', resourceId)
    .orderBy('id')
    .execute();
  return rows.map((row) => row.type);
}
