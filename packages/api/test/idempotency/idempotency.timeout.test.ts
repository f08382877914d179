import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireAuthentication } from '../../src/platform/auth/authenticate.js';
import { registerIdempotency } from '../../src/platform/idempotency/plugin.js';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { SETTINGS } from './support.js';

const SLOW = '/test/idempotency/slow';

/**
 * Since HANDLER_TIMEOUT_MS holds for POSTs (issue 14, defect 1), a write can be answered 503
 * handler_timeout while its handler still runs. Its Idempotency-Key must then stay locked: a
 * retry must not run the request a second time alongside the first.
 */
describe('an idempotent write that outlives HANDLER_TIMEOUT_MS', () => {
  let t: TestApp;
  let tenant: Tenant;
  let executions = 0;

  beforeAll(async () => {
    t = await startApp('sqlite', { HANDLER_TIMEOUT_MS: '300' }, (app) => {
      void app.register(async (child) => {
        requireAuthentication(child, { keys: app.apiKeys, accounts: app.accounts });
        registerIdempotency(child, { db: app.db.kysely, settings: SETTINGS });
        child.post(
          SLOW,
          { config: { scope: 'users:write' }, schema: { hide: true, body: Type.Object({}) } },
          async (request, reply) => {
            executions += 1;
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            const body = { done: true };
            await app.db.kysely
              .transaction()
              .execute((trx) => request.idempotency!.complete(trx, { status: 201, body }));
            return reply.code(201).send(body);
          },
        );
      });
    });
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('keeps its key locked; the late result is what a retry gets, and it ran once', async () => {
    const send = () =>
      call(t.app, 'POST', SLOW, { tenant, body: {}, headers: { 'idempotency-key': 'slow-1' } });
    expectProblem(await send(), 503, 'handler_timeout');
    // The handler is still running: a retry is told so instead of running it again.
    expectProblem(await send(), 409, 'idempotency_request_in_progress');
    const deadline = Date.now() + 5_000;
    let retry = await send();
    while (retry.statusCode === 409 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      retry = await send();
    }
    expect(retry.statusCode, retry.body).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(executions).toBe(1);
  });
});
