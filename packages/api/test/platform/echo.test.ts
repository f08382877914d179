import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

/** Control and bidi characters the API must never echo raw (docs/errors.md "Field errors"). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe('names a client sent are echoed escaped and bounded', () => {
  let t: TestApp;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startApp();
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  const pointers = (body: Record<string, unknown>) =>
    (body.errors as { pointer: string }[]).map((error) => error.pointer);

  it('a NUL in a query parameter name is shown as \\u0000, never sent raw', async () => {
    const body = expectProblem(
      await call(t.app, 'GET', '/v2/orders?a%00b=1', { tenant }),
      400,
      'validation_failed',
    );
    expect(pointers(body)).toEqual(['/a\\u0000b']);
  });

  it('control and bidi-override characters in body field names are escaped', async () => {
    // The body parser refuses the first unsafe display string before schema validation, so
    // the bidi name is reported alone; the tab name is an ordinary unknown field.
    const bidi = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: 'ada@example.com', 'x\u202ey\u0007': 1 },
    });
    expect(bidi.body).not.toMatch(UNSAFE);
    expect(pointers(expectProblem(bidi, 400, 'validation_failed'))).toEqual(['/x\\u202ey\\u0007']);
    const tab = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: 'ada@example.com', 'tab\tname': 2 },
    });
    expect(tab.body).not.toMatch(UNSAFE);
    expect(pointers(expectProblem(tab, 400, 'validation_failed'))).toEqual(['/tab\\u0009name']);
  });

  it('a forbidden query name with a control character is escaped too', async () => {
    const body = expectProblem(
      await call(t.app, 'GET', '/v1/users?__proto__%1b%5b31m=1', { tenant }),
      400,
      'validation_failed',
    );
    expect(pointers(body)).toEqual(['/__proto__\\u001b[31m']);
  });

  it('a very long field name is cut to the documented 1024 characters', async () => {
    const body = expectProblem(
      await call(t.app, 'POST', '/v1/users', {
        tenant,
        body: { email: 'ada@example.com', ['k'.repeat(5000)]: 1 },
      }),
      400,
      'validation_failed',
    );
    const [pointer] = pointers(body);
    expect(pointer!.length).toBe(1024);
    expect(pointer!.endsWith('…')).toBe(true);
  });

  it('no error body in these cases carries an unsafe character', async () => {
    for (const url of ['/v2/orders?a%00b=1', '/v2/users?%E2%80%AE=1', '/v1/orders?%C2%85=x']) {
      const response = await call(t.app, 'GET', url, { tenant });
      expect(response.statusCode).toBe(400);
      expect(JSON.stringify(response.json())).not.toMatch(UNSAFE);
      expect(response.body).not.toMatch(UNSAFE);
    }
  });
});
