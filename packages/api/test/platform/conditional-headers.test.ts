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
import { seedOrder, seedUser } from '../support/seed.js';

/**
 * If-Match and If-None-Match by the RFC 9110 grammar: a `*` inside a value is not the wildcard, so
 * no form of a stale tag lets a write through, and a malformed If-None-Match is ignored.
 */
describe.each(stores)('conditional headers (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startApp(store);
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  /** A v2 user at version 2 (one update after creation). */
  async function userAtV2() {
    const created = await call(t.app, 'POST', '/v2/users', {
      tenant,
      body: { email: uniqueEmail() },
    });
    const id = created.json<{ id: string }>().id;
    const updated = await call(t.app, 'PATCH', `/v2/users/${id}`, {
      tenant,
      headers: { 'if-match': '"v1"' },
      body: { name: 'second' },
    });
    expect(updated.headers.etag).toBe('"v2"');
    return id;
  }

  const patch = (id: string, ifMatch: string) =>
    call(t.app, 'PATCH', `/v2/users/${id}`, {
      tenant,
      headers: { 'if-match': ifMatch },
      body: { name: 'stale write' },
    });

  it('a stale tag followed by "*" is refused with 400 and the write is not applied', async () => {
    const id = await userAtV2();
    expectProblem(await patch(id, '"v1"'), 412, 'precondition_failed');
    for (const value of ['"v1"*', '"v1" *', '"v1", *', '*, "v1"', '* "v1"', 'x*', '**']) {
      const body = expectProblem(await patch(id, value), 400, 'validation_failed');
      expect(body.errors).toEqual([
        { in: 'header', pointer: '/if-match', detail: expect.stringMatching(/entity tag/) },
      ]);
    }
    const user = await call(t.app, 'GET', `/v2/users/${id}`, { tenant });
    expect(user.json()).toMatchObject({ name: 'second' });
    expect(user.headers.etag).toBe('"v2"');
  });

  it('the wildcard alone and lists of tags still work', async () => {
    const id = await userAtV2();
    expect((await patch(id, '"v1", W/"v2"')).statusCode).toBe(412);
    expect((await patch(id, '"v1",  "v2"')).statusCode).toBe(200);
    expect((await patch(id, ' * ')).statusCode).toBe(200);
  });

  it('cancelling an order with a stale tag and a "*" is refused; the order stays pending', async () => {
    const order = await seedOrder(t, tenant, await seedUser(t, tenant));
    const cancel = (ifMatch: string) =>
      call(t.app, 'POST', `/v2/orders/${order.id}/cancel`, {
        tenant,
        headers: { 'if-match': ifMatch },
      });
    expectProblem(await cancel('"v7"*'), 400, 'validation_failed');
    expectProblem(await cancel('"v7"'), 412, 'precondition_failed');
    expect((await call(t.app, 'GET', `/v2/orders/${order.id}`, { tenant })).json()).toMatchObject({
      status: 'pending_payment',
    });
  });

  it('a malformed If-None-Match is ignored (full 200); a matching tag is 304', async () => {
    const id = await seedUser(t, tenant);
    const first = await call(t.app, 'GET', `/v2/users/${id}`, { tenant });
    const etag = String(first.headers.etag);
    const get = (value: string) =>
      call(t.app, 'GET', `/v2/users/${id}`, { tenant, headers: { 'if-none-match': value } });
    for (const value of ['x*', `${etag}*`, `*${etag}`, '*, *']) {
      const response = await get(value);
      expect(response.statusCode, value).toBe(200);
      expect(response.json()).toMatchObject({ id });
    }
    expect((await get(etag)).statusCode).toBe(304);
    expect((await get(`W/${etag}`)).statusCode).toBe(304);
    expect((await get(`"other", ${etag}`)).statusCode).toBe(304);
    expect((await get('*')).statusCode).toBe(304);
    const list = await call(t.app, 'GET', '/v2/users', {
      tenant,
      headers: { 'if-none-match': 'x*' },
    });
    expect(list.statusCode).toBe(200);
  });
});
