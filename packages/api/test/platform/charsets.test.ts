import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { FOREIGN_CHARSETS } from '../support/hostile.js';

/**
 * Issue 14, defect 5: `application/json; charset=utf-16` (or latin1, ebcdic) bodies were decoded
 * as UTF-8, bytes that are not UTF-8 and lone surrogates were stored as U+FFFD, and names could
 * carry control characters and bidirectional overrides.
 */
describe.each(stores)('charsets and display strings (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp(store);
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  const usersNamed = async (email: string) =>
    t.db.kysely
      .selectFrom('users')
      .select('name')
      .where('account_id', '=', tenant.accountId)
      .where('email', '=', email)
      .execute();

  const post = (payload: string | Buffer, contentType: string) =>
    t.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: { ...tenant.headers, 'content-type': contentType },
      payload,
    });

  it('refuses a declared charset other than UTF-8 with 415', async () => {
    for (const charset of FOREIGN_CHARSETS) {
      const email = `cs.${charset.toLowerCase()}.${Date.now()}@example.com`;
      const response = await post(
        JSON.stringify({ email, name: 'Zoë' }),
        `application/json; charset=${charset}`,
      );
      expectProblem(response, 415, 'unsupported_media_type');
      expect(response.json<{ detail: string }>().detail).toMatch(/UTF-8/);
      expect(await usersNamed(email)).toEqual([]);
    }
  });

  it('accepts UTF-8, declared or not', async () => {
    for (const contentType of [
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset="UTF-8"',
    ]) {
      const email = `utf8.${Math.random().toString(36).slice(2)}@example.com`;
      const response = await post(JSON.stringify({ email, name: 'Zoë 🚀' }), contentType);
      expect(response.statusCode, contentType).toBe(201);
      expect(await usersNamed(email)).toEqual([{ name: 'Zoë 🚀' }]);
    }
  });

  it('refuses bytes that are not UTF-8 with 400 malformed_json instead of storing U+FFFD', async () => {
    const email = `latin1.${Date.now()}@example.com`;
    // "Zoë" in Latin-1: 0xEB is not UTF-8 on its own.
    const body = Buffer.concat([
      Buffer.from(`{"email":"${email}","name":"Zo`),
      Buffer.from([0xeb]),
      Buffer.from('"}'),
    ]);
    const response = await post(body, 'application/json');
    expectProblem(response, 400, 'malformed_json');
    expect(response.json<{ detail: string }>().detail).toMatch(/UTF-8/);
    expect(await usersNamed(email)).toEqual([]);
  });

  it('refuses a lone surrogate escape with 400 malformed_json', async () => {
    const email = `surrogate.${Date.now()}@example.com`;
    for (const name of ['\\ud800', 'a\\udc00b', '\\ud83d']) {
      const response = await post(`{"email":"${email}","name":"${name}"}`, 'application/json');
      expectProblem(response, 400, 'malformed_json');
    }
    // A correctly paired escape is one character, and fine.
    const paired = await post(`{"email":"${email}","name":"\\ud83d\\ude80"}`, 'application/json');
    expect(paired.statusCode).toBe(201);
    expect(await usersNamed(email)).toEqual([{ name: '🚀' }]);
  });

  it('refuses control characters and bidirectional overrides in names, with a pointer', async () => {
    const cases: [string, unknown][] = [
      ['/v1/users', { email: `c1.${Date.now()}@example.com`, name: 'bell\u0007' }],
      ['/v1/users', { email: `c2.${Date.now()}@example.com`, name: 'esc\u001b[31mred' }],
      ['/v1/users', { email: `c3.${Date.now()}@example.com`, name: 'evil\u202Egnp.exe' }],
      ['/v1/users', { email: `c4.${Date.now()}@example.com`, name: 'iso\u2066late' }],
      ['/v1/users', { email: `c5.${Date.now()}@example.com`, name: 'c1\u0085' }],
      ['/v1/api_keys', { name: 'key\u202Dname' }],
    ];
    for (const [url, body] of cases) {
      const problem = expectProblem(
        await call(t.app, 'POST', url, { tenant, body }),
        400,
        'validation_failed',
      );
      expect(problem.errors).toEqual([
        {
          in: 'body',
          pointer: '/name',
          detail: 'must not contain control characters or bidirectional overrides',
        },
      ]);
    }
    const order = expectProblem(
      await call(t.app, 'POST', '/v1/orders', {
        tenant,
        body: {
          user_id: 'usr_01jdq41m2n3p4q5r6s7t8v9w0x',
          currency: 'EUR',
          items: [{ name: 'ok' }, { name: 'rlo\u202E' }],
        },
      }),
      400,
      'validation_failed',
    );
    expect(order.errors).toContainEqual(
      expect.objectContaining({ pointer: '/items/1/name', detail: expect.stringMatching(/bidi/) }),
    );
  });

  it('keeps tab, line feed and carriage return, the usual whitespace', async () => {
    const email = `ws.${Date.now()}@example.com`;
    const response = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email, name: 'two\tparts\r\nlines' },
    });
    expect(response.statusCode).toBe(201);
  });

  it('states the rule in the schema of every display name', () => {
    const doc = t.app.swagger() as {
      components: { schemas: Record<string, unknown> };
      paths: Record<string, unknown>;
    };
    const text = JSON.stringify(doc.paths['/v1/users']);
    expect(text).toMatch(
      /bidirectional overrides \(U\+202A–U\+202E, U\+2066–U\+2069\) are refused/,
    );
  });
});
