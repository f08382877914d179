import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  startApp,
  stores,
  uniqueEmail,
  type Tenant,
  type TestApp,
} from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import {
  ECHO,
  FAIL,
  PHASED,
  REQUIRED,
  insertRecord,
  newKey,
  recordOf,
  registerTestRoutes,
  type Switches,
} from './support.js';

describe.each(stores)('idempotency: refusals and failures (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;
  const switches: Switches = { failAfterAdvance: true };

  beforeAll(async () => {
    t = await startApp(store, {}, (app) => registerTestRoutes(app, switches));
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  const userCount = async () =>
    Number(
      (
        await t.db.kysely
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('account_id', '=', tenant.accountId)
          .executeTakeFirstOrThrow()
      ).n,
    );

  it('the same key with another body is 422 idempotency_key_reused and creates nothing', async () => {
    const headers = { 'idempotency-key': newKey() };
    const first = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: uniqueEmail('a') },
      headers,
    });
    expect(first.statusCode).toBe(201);
    const before = await userCount();
    const second = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: uniqueEmail('b') },
      headers,
    });
    expectProblem(second, 422, 'idempotency_key_reused');
    expect(await userCount()).toBe(before);
  });

  it('the same key on another path is 422 too', async () => {
    const headers = { 'idempotency-key': newKey() };
    const body = {};
    expect((await call(t.app, 'POST', ECHO, { tenant, body, headers })).statusCode).toBe(200);
    expectProblem(
      await call(t.app, 'POST', REQUIRED, { tenant, body, headers }),
      422,
      'idempotency_key_reused',
    );
  });

  it('a repeat while the first is in flight is 409 with Retry-After, and does nothing', async () => {
    const key = newKey();
    const body = { email: uniqueEmail('inflight') };
    await insertRecord(t, tenant, { key, path: '/v1/users', body });
    const before = await userCount();
    const response = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body,
      headers: { 'idempotency-key': key },
    });
    expectProblem(response, 409, 'idempotency_request_in_progress');
    expect(response.headers['retry-after']).toBe('1');
    expect(await userCount()).toBe(before);
    expect(await recordOf(t, tenant, key)).toMatchObject({ status: 'in_flight' });
  });

  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['a control character', 'abc\u0001def'],
    ['a tab', 'abc\tdef'],
    ['non-ASCII', 'clé-é'],
  ])('a key of %s is 400 validation_failed on the header', async (_label, key) => {
    const before = await userCount();
    const response = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: uniqueEmail('badkey') },
      headers: { 'idempotency-key': key },
    });
    const problem = expectProblem(response, 400, 'validation_failed');
    expect(problem.errors).toEqual([
      expect.objectContaining({ in: 'header', pointer: '/idempotency-key' }),
    ]);
    expect(await userCount()).toBe(before);
  });

  it('a key of 255 printable characters is accepted', async () => {
    const key = `${newKey()} ~!`.padEnd(255, 'x');
    const response = await call(t.app, 'POST', ECHO, {
      tenant,
      body: {},
      headers: { 'idempotency-key': key },
    });
    expect(response.statusCode).toBe(200);
    expect(await recordOf(t, tenant, key)).toMatchObject({ status: 'completed' });
  });

  it('an invalid body never takes the key', async () => {
    const key = newKey();
    const bad = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: 'not-an-email' },
      headers: { 'idempotency-key': key },
    });
    expectProblem(bad, 400, 'validation_failed');
    expect(await recordOf(t, tenant, key)).toBeUndefined();
    const good = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: uniqueEmail('after-bad') },
      headers: { 'idempotency-key': key },
    });
    expect(good.statusCode).toBe(201);
  });

  it('a route that requires the key answers 400 idempotency_key_missing without it', async () => {
    expectProblem(
      await call(t.app, 'POST', REQUIRED, { tenant, body: {} }),
      400,
      'idempotency_key_missing',
    );
    const ok = await call(t.app, 'POST', REQUIRED, {
      tenant,
      body: {},
      headers: { 'idempotency-key': newKey() },
    });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ recovery_point: 'started', resource_id: null });
  });

  it('a 5xx before any recovery point is never recorded: the key stays retryable', async () => {
    const key = newKey();
    const headers = { 'idempotency-key': key };
    expectProblem(
      await call(t.app, 'POST', FAIL, { tenant, body: {}, headers }),
      500,
      'internal_error',
    );
    expect(await recordOf(t, tenant, key)).toBeUndefined();
    const retry = await call(t.app, 'POST', FAIL, { tenant, body: {}, headers });
    expectProblem(retry, 500, 'internal_error');
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it('a 5xx after a recovery point unlocks the key; the retry resumes from that point', async () => {
    const key = newKey();
    const headers = { 'idempotency-key': key };
    switches.failAfterAdvance = true;
    expectProblem(
      await call(t.app, 'POST', PHASED, { tenant, body: {}, headers }),
      500,
      'internal_error',
    );
    expect(await recordOf(t, tenant, key)).toMatchObject({
      status: 'in_flight',
      recovery_point: 'charged',
      resource_id: 'res_1',
      locked_at: null,
    });
    switches.failAfterAdvance = false;
    const resumed = await call(t.app, 'POST', PHASED, { tenant, body: {}, headers });
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json()).toEqual({ recovery_point: 'charged', resource_id: 'res_1' });
    const replayed = await call(t.app, 'POST', PHASED, { tenant, body: {}, headers });
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(replayed.body).toBe(resumed.body);
  });
});
