import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { nestsDeeperThan } from '../../src/platform/security/json-body.js';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

/** Sends one raw request with an `X-Big` header of `size` bytes and returns the raw answer. */
async function withBigHeader(t: TestApp, size: number): Promise<string> {
  if (!t.app.server.listening) await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  return new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET /livez HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ${'a'.repeat(size)}\r\n\r\n`,
      );
    });
    let data = '';
    socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
    socket.on('end', () => resolve(data));
    socket.on('error', reject);
  });
}

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('request limits', () => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp('sqlite');
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('defaults: 16 KiB of headers (Node default), JSON depth 20, 30 query parameters', () => {
    expect(loadConfig({}).limits).toEqual({
      maxHeaderBytes: 16_384,
      jsonMaxDepth: 20,
      maxQueryParams: 30,
    });
  });

  it('headers under the default limit pass; over it, Node answers 431 problem+json', async () => {
    expect(await withBigHeader(t, 12_000)).toMatch(/^HTTP\/1\.1 200 /);
    const raw = await withBigHeader(t, 17_000);
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw).toContain('"code":"request_header_fields_too_large"');
  });

  it('MAX_HEADER_BYTES lowers the header limit', async () => {
    const small = await startApp('sqlite', { MAX_HEADER_BYTES: '4096' });
    try {
      expect(await withBigHeader(small, 2_000)).toMatch(/^HTTP\/1\.1 200 /);
      const raw = await withBigHeader(small, 6_000);
      expect(raw).toMatch(/^HTTP\/1\.1 431 /);
      expect(raw).toMatch(/Content-Type: application\/problem\+json/);
    } finally {
      await small.close();
    }
  });

  it('a body nested deeper than JSON_MAX_DEPTH is 400 json_too_deep, at any depth', async () => {
    for (const depth of [21, 1_000, 50_000]) {
      const response = await call(t.app, 'POST', '/v1/users', {
        tenant,
        body: `{"email":"deep@example.com","name":${nested(depth - 1)}}`,
      });
      expectProblem(response, 400, 'json_too_deep');
    }
  });

  it('depth is counted on structure, not on brackets inside strings', async () => {
    // 20 levels is allowed: it reaches validation, which names the bad field.
    const atLimit = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: `{"email":"deep@example.com","name":${nested(19)}}`,
    });
    expectProblem(atLimit, 400, 'validation_failed');
    expect(nestsDeeperThan(`{"a":"${'['.repeat(100)}\\"${'{'.repeat(100)}"}`, 2)).toBe(false);
    expect(nestsDeeperThan('{"a":{"b":{}}}', 2)).toBe(true);
  });

  it('JSON_MAX_DEPTH is configurable', async () => {
    const shallow = await startApp('sqlite', { JSON_MAX_DEPTH: '2' });
    try {
      const other = await createTestTenant(shallow);
      const response = await call(shallow.app, 'POST', '/v1/orders', {
        tenant: other,
        body: { user_id: 'usr_x', currency: 'EUR', items: [{ name: 'a' }] },
      });
      expectProblem(response, 400, 'json_too_deep');
    } finally {
      await shallow.close();
    }
  });

  it('more than MAX_QUERY_PARAMS query parameters is 400, counted before routing work', async () => {
    const query = (n: number) => Array.from({ length: n }, (_, i) => `p${i}=1`).join('&');
    expect((await call(t.app, 'GET', `/livez?${query(30)}`)).statusCode).toBe(200);
    const response = await call(t.app, 'GET', `/livez?${query(31)}`);
    const problem = expectProblem(response, 400, 'validation_failed');
    expect(problem.errors).toEqual([
      { in: 'query', pointer: '', detail: 'has more than 30 parameters' },
    ]);
    // Repeating one name still counts every pair.
    expectProblem(
      await call(t.app, 'GET', `/v1/users?${'limit=1&'.repeat(40)}`, { tenant }),
      400,
      'validation_failed',
    );
  });
});

describe('prototype pollution is refused, never merged', () => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp('sqlite');
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

  const bodies = [
    '{"__proto__":{"polluted":"yes"}}',
    '{"email":"p@example.com","__proto__":{"polluted":"yes"}}',
    '{"email":"p@example.com","name":"x","constructor":{"prototype":{"polluted":"yes"}}}',
    '{"user_id":"usr_x","currency":"EUR","items":[{"name":"a","quantity":1,"unit_amount":1,"__proto__":{"polluted":"yes"}}]}',
    '{"\\u005f_proto__":{"polluted":"yes"}}',
  ];

  it.each(bodies)('body %s → 400 malformed_json', async (body) => {
    const before = await userCount();
    for (const [method, url] of [
      ['POST', '/v1/users'],
      ['POST', '/v1/orders'],
    ] as const) {
      const problem = expectProblem(
        await call(t.app, method, url, { tenant, body }),
        400,
        'malformed_json',
      );
      expect(problem.detail).toMatch(/__proto__/);
    }
    expect(await userCount()).toBe(before);
  });

  it.each([
    '__proto__[polluted]=yes',
    '__proto__=yes',
    '%5F%5Fproto%5F%5F[polluted]=yes',
    'constructor[prototype][polluted]=yes',
    'constructor.prototype.polluted=yes',
    'email=a%40b.co&__proto__.polluted=yes',
  ])('query ?%s → 400 validation_failed', async (query) => {
    for (const url of [`/v1/users?${query}`, `/livez?${query}`]) {
      const problem = expectProblem(
        await call(t.app, 'GET', url, { tenant }),
        400,
        'validation_failed',
      );
      expect(problem.errors).toEqual([
        expect.objectContaining({ in: 'query', detail: 'is not an accepted parameter name' }),
      ]);
    }
  });

  it('leaves Object.prototype untouched afterwards', () => {
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
  });
});
