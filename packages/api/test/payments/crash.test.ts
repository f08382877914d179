import { afterEach, describe, expect, it } from 'vitest';
import { startSandboxProcessor } from '../../src/processor/sandbox/server.js';
import {
  createKey,
  httpRequest,
  runTs,
  spawnServer,
  tempDatabase,
  type Server,
} from '../support/process.js';

/** Polls `check` until it holds (bounded): the crash window is only observable from outside. */
async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('a crash between "charge sent" and "result stored"', { timeout: 90_000 }, () => {
  let server: Server | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await server?.kill();
    await cleanup?.();
  });

  it('the retry with the same key yields the one charge, and reconciliation agrees with the processor', async () => {
    // The sandbox lives in the test process, so it outlives the API it is killed under.
    const sandbox = await startSandboxProcessor({ hangMs: 60_000 });
    const db = tempDatabase();
    cleanup = async () => {
      await sandbox.close();
      db.remove();
    };
    const apiKey = await createKey(db.url, 'crash-test');
    const env = {
      DATABASE_URL: db.url,
      PAYMENT_PROCESSOR_URL: sandbox.url,
      RECONCILE_STALE_AFTER_MS: '0',
      RECONCILE_INTERVAL_MS: '3600000',
    };
    const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
    // First life: long deadline, so the process is surely still waiting when it dies.
    server = await spawnServer({
      ...env,
      HANDLER_TIMEOUT_MS: '30000',
      IDEMPOTENCY_LOCK_TIMEOUT_MS: '31000',
      PROCESSOR_ATTEMPT_TIMEOUT_MS: '30000',
      PROCESSOR_DEADLINE_MS: '30000',
    });
    const post = (
      base: string,
      path: string,
      body: unknown,
      headers: Record<string, string> = {},
    ) =>
      httpRequest(
        `${base}${path}`,
        { method: 'POST', headers: { ...auth, ...headers }, body: JSON.stringify(body) },
        20_000,
      );
    const user = JSON.parse(
      (await post(server.baseUrl, '/v1/users', { email: 'crash@example.com' })).body,
    ) as { id: string };
    const order = JSON.parse(
      (
        await post(server.baseUrl, '/v1/orders', {
          user_id: user.id,
          currency: 'EUR',
          items: [{ name: 'Lamp', quantity: 1, unit_amount: 4200 }],
        })
      ).body,
    ) as { id: string };

    const idempotencyKey = 'crash-test-key-0001';
    const payment = { order_id: order.id, payment_method: 'pm_card_timeout' };
    const doomed = post(server.baseUrl, '/v1/payments', payment, {
      'idempotency-key': idempotencyKey,
    }).catch((error: Error) => error);
    // The processor has taken the charge; the API has not stored the result. Kill it now.
    await until(() => sandbox.chargeCount() === 1, 'the charge reaching the processor');
    server.process.kill('SIGKILL');
    await server.waitForExit(10_000);
    expect(await doomed).toBeInstanceOf(Error);

    // Second life: the client retries with the same key until the stale lock is taken over.
    // The handler timeout (which holds for POSTs since issue 14) must outlast the processor
    // deadline, and the lock the handler timeout; all short, so this life may take over soon.
    server = await spawnServer({
      ...env,
      HANDLER_TIMEOUT_MS: '2000',
      IDEMPOTENCY_LOCK_TIMEOUT_MS: '2100',
      PROCESSOR_ATTEMPT_TIMEOUT_MS: '300',
      PROCESSOR_DEADLINE_MS: '1500',
    });
    const base = server.baseUrl;
    let retry = await post(base, '/v1/payments', payment, { 'idempotency-key': idempotencyKey });
    await until(async () => {
      if (retry.status !== 409) return true;
      retry = await post(base, '/v1/payments', payment, { 'idempotency-key': idempotencyKey });
      return false;
    }, 'the stale idempotency lock being taken over');
    expect([201, 202]).toContain(retry.status);
    const resumed = JSON.parse(retry.body) as { id: string; status: string };
    expect(sandbox.chargeCount()).toBe(1);
    expect(sandbox.chargesFor(resumed.id)).toBe(1);

    // Reconciliation (the CLI, as an operator would run it) settles whatever is still open.
    const reconcile = await runTs(['src/cli/reconcile.ts'], {
      DATABASE_URL: db.url,
      PAYMENT_PROCESSOR_URL: sandbox.url,
      RECONCILE_STALE_AFTER_MS: '0',
    });
    expect(reconcile.code, reconcile.stderr).toBe(0);

    const get = async (path: string) =>
      JSON.parse((await httpRequest(`${base}${path}`, { headers: auth })).body) as Record<
        string,
        unknown
      >;
    expect(await get(`/v1/payments/${resumed.id}`)).toMatchObject({
      status: 'succeeded',
      amount: 4200,
    });
    expect(await get(`/v1/orders/${order.id}`)).toMatchObject({
      status: 'paid',
      amount_paid: 4200,
    });
    const payments = (await get(`/v1/payments?order_id=${order.id}`)) as { data: unknown[] };
    expect(payments.data).toHaveLength(1);
    expect(sandbox.chargeCount()).toBe(1);
  });
});
