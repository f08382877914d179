import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresUrl } from '../../src/db/database.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { startFreezableProxy, type FreezableProxy } from '../support/freezable-proxy.js';
import { call, expectProblem } from '../support/http.js';
import { seedUser } from '../support/seed.js';

/** Milliseconds `send` takes. */
async function timed<T>(send: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = performance.now();
  const result = await send();
  return { result, ms: performance.now() - started };
}

describe.each(stores)('HANDLER_TIMEOUT_MS holds for requests with a body (%s)', (store) => {
  // Issue 14, defect 1: Fastify 5.12 clears its handler timer on the request's `close` event,
  // which Node emits once the body has been read, so POST and PATCH ran unbounded.
  it('a slow POST with a JSON body over a real socket answers 503 handler_timeout in time', async () => {
    const t = await startApp(store, { HANDLER_TIMEOUT_MS: '300' }, (app) => {
      app.post('/v1/slow', async (_request, reply) => {
        await new Promise((resolve) => setTimeout(resolve, 3_000));
        return reply.code(201).send({ stored: true });
      });
    });
    try {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.app.server.address() as AddressInfo;
      const { result: response, ms } = await timed(() =>
        fetch(`http://127.0.0.1:${port}/v1/slow`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ some: 'body' }),
        }),
      );
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(((await response.json()) as { code: string }).code).toBe('handler_timeout');
      expect(ms).toBeLessThan(2_000);
    } finally {
      await t.close();
    }
  });
});

const postgresUrl = process.env.DATABASE_URL ?? '';

describe.skipIf(!isPostgresUrl(postgresUrl))('a frozen PostgreSQL (postgres)', () => {
  let proxy: FreezableProxy;
  let t: TestApp;
  let tenant: Tenant;
  let userId: string;

  beforeAll(async () => {
    const target = new URL(postgresUrl);
    proxy = await startFreezableProxy({ host: target.hostname, port: Number(target.port || 5432) });
    const url = new URL(postgresUrl);
    url.host = `127.0.0.1:${proxy.port}`;
    t = await startApp('postgres', {
      DATABASE_URL: url.toString(),
      HANDLER_TIMEOUT_MS: '500',
      IDEMPOTENCY_LOCK_TIMEOUT_MS: '1000',
      READINESS_TIMEOUT_MS: '300',
    });
    tenant = await createTestTenant(t);
    userId = await seedUser(t, tenant);
    // The key is cached now: while frozen, requests get as far as their own queries.
  });
  afterAll(async () => {
    proxy?.thaw();
    await t?.close();
    await proxy?.close();
  });

  it('writes answer 503 handler_timeout within HANDLER_TIMEOUT_MS, and /readyz 503 within READINESS_TIMEOUT_MS', async () => {
    proxy.freeze();
    try {
      const writes = [
        () => call(t.app, 'POST', '/v1/users', { tenant, body: { email: 'frozen@example.com' } }),
        () => call(t.app, 'PATCH', `/v1/users/${userId}`, { tenant, body: { name: 'Frozen' } }),
        () =>
          call(t.app, 'POST', '/v1/orders', {
            tenant,
            body: {
              user_id: userId,
              currency: 'EUR',
              items: [{ name: 'x', quantity: 1, unit_amount: 100 }],
            },
          }),
        () => call(t.app, 'GET', '/v1/orders', { tenant }),
      ];
      const answers = await Promise.all(writes.map((send) => timed(send)));
      for (const { result, ms } of answers) {
        expectProblem(result, 503, 'handler_timeout');
        expect(ms).toBeLessThan(2_500);
      }
      const ready = await timed(() => call(t.app, 'GET', '/readyz'));
      expectProblem(ready.result, 503, 'service_unavailable');
      expect(ready.result.json()).toMatchObject({ checks: { database: 'unavailable' } });
      expect(ready.ms).toBeLessThan(1_500);
    } finally {
      proxy.thaw();
    }
    expect((await call(t.app, 'GET', '/readyz')).statusCode).toBe(200);
  });

  it('a timed-out write with an Idempotency-Key keeps its key locked: never executed twice', async () => {
    const email = `frozen.idem.${Date.now()}@example.com`;
    const send = () =>
      call(t.app, 'POST', '/v1/users', {
        tenant,
        body: { email },
        headers: { 'idempotency-key': `frozen-${email}` },
      });
    proxy.freeze();
    let timedOut;
    try {
      timedOut = await timed(send);
    } finally {
      proxy.thaw();
    }
    // Answered in time: the key is not released (which would need the frozen database).
    expectProblem(timedOut.result, 503, 'handler_timeout');
    expect(timedOut.ms).toBeLessThan(2_500);
    // The first execution may still be running: a retry waits for it instead of running alongside…
    expectProblem(await send(), 409, 'idempotency_request_in_progress');
    // …and once IDEMPOTENCY_LOCK_TIMEOUT_MS has passed, takes the key over and runs exactly once.
    const deadline = Date.now() + 5_000;
    let retry = await send();
    while (retry.statusCode === 409 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      retry = await send();
    }
    expect(retry.statusCode, retry.body).toBe(201);
    const stored = await t.db.kysely
      .selectFrom('users')
      .select('id')
      .where('email', '=', email)
      .execute();
    expect(stored).toEqual([{ id: retry.json<{ id: string }>().id }]);
    const replay = await send();
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
  });
});
