import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { problemCatalogue } from '../../src/platform/errors/catalogue.js';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

describe('errors are problem+json everywhere', () => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp('sqlite', { BODY_LIMIT_BYTES: '2048' });
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('unknown route → 404 route_not_found', async () => {
    expectProblem(await call(t.app, 'GET', '/v1/nothing-here'), 404, 'route_not_found');
  });

  it('wrong method → 405 with Allow', async () => {
    const response = await call(t.app, 'PUT', '/v1/users', { tenant, body: {} });
    expectProblem(response, 405, 'method_not_allowed');
    expect(response.headers.allow).toBe('GET, HEAD, POST');
    const item = await call(t.app, 'POST', '/v1/orders/ord_01jdq41m2n3p4q5r6s7t8v9w0x', {
      tenant,
      body: {},
    });
    expectProblem(item, 405, 'method_not_allowed');
    expect(item.headers.allow).toBe('GET, HEAD');
  });

  it('malformed JSON → 400 malformed_json', async () => {
    expectProblem(
      await call(t.app, 'POST', '/v1/users', { tenant, body: '{"email": "a@b.co"' }),
      400,
      'malformed_json',
    );
  });

  it('empty JSON body → 400 malformed_json', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/v1/users',
      headers: { ...tenant.headers, 'content-type': 'application/json' },
      payload: '',
    });
    expectProblem(response, 400, 'malformed_json');
  });

  it('another media type → 415 unsupported_media_type', async () => {
    const response = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: 'email=a@b.co',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expectProblem(response, 415, 'unsupported_media_type');
    const text = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: 'hello',
      headers: { 'content-type': 'text/plain' },
    });
    expectProblem(text, 415, 'unsupported_media_type');
  });

  it('body over the limit → 413 payload_too_large', async () => {
    const response = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: 'a@b.co', name: 'x'.repeat(4096) },
    });
    expectProblem(response, 413, 'payload_too_large');
  });

  it('validation lists every field with a JSON pointer', async () => {
    const response = await call(t.app, 'POST', '/v1/orders', {
      tenant,
      body: {
        currency: 'eur',
        items: [{ name: '', quantity: 0, unit_amount: 'ten', color: 'red' }],
        total: 5,
      },
    });
    const problem = expectProblem(response, 400, 'validation_failed');
    expect(problem.errors).toEqual(
      expect.arrayContaining([
        { in: 'body', pointer: '/user_id', detail: 'is required' },
        { in: 'body', pointer: '/total', detail: 'is not a known field' },
        { in: 'body', pointer: '/items/0/color', detail: 'is not a known field' },
        expect.objectContaining({ in: 'body', pointer: '/currency' }),
        expect.objectContaining({ in: 'body', pointer: '/items/0/name' }),
        expect.objectContaining({ in: 'body', pointer: '/items/0/quantity' }),
        expect.objectContaining({ in: 'body', pointer: '/items/0/unit_amount' }),
      ]),
    );
  });

  it('query and path errors say where they are', async () => {
    const query = expectProblem(
      await call(t.app, 'GET', '/v1/users?limit=500&sort=name', { tenant }),
      400,
      'validation_failed',
    );
    expect(query.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ in: 'query', pointer: '/limit' }),
        { in: 'query', pointer: '/sort', detail: 'is not a known field' },
      ]),
    );
    const path = expectProblem(
      await call(t.app, 'GET', '/v1/users/not-an-id', { tenant }),
      400,
      'validation_failed',
    );
    expect(path.errors).toEqual([expect.objectContaining({ in: 'path', pointer: '/id' })]);
  });

  it('an unexpected error → 500 with nothing internal; the log has the stack', async () => {
    const local = await startApp('sqlite', {}, (app) => {
      app.get('/v1/explode', async () => {
        throw new Error('SELECT * FROM secrets failed');
      });
    });
    try {
      const response = await call(local.app, 'GET', '/v1/explode');
      const problem = expectProblem(response, 500, 'internal_error');
      expect(JSON.stringify(problem)).not.toContain('SELECT');
      const errorLine = local.logs.find((line) => line.msg === 'unhandled error');
      expect(JSON.stringify(errorLine)).toContain('SELECT * FROM secrets');
      expect((errorLine?.err as { stack: string }).stack).toMatch(/errors\.test\.ts/);
      expect(errorLine?.request_id).toBe(response.headers['x-request-id']);
    } finally {
      await local.close();
    }
  });

  it('a database outage is 503 service_unavailable with Retry-After, not a 500', async () => {
    // A PostgreSQL URL whose port refuses connections: a real driver error, no server needed.
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
      DB_STATEMENT_TIMEOUT_MS: '1000',
    });
    const app = await buildApp(config);
    try {
      const response = await call(app, 'GET', '/v1/users', {
        headers: { authorization: `Bearer sk_test_${'a'.repeat(60)}` },
      });
      expectProblem(response, 503, 'service_unavailable');
      expect(response.headers['retry-after']).toBe('1');
      const ready = await call(app, 'GET', '/readyz');
      expect(ready.statusCode).toBe(503);
    } finally {
      await app.close();
    }
  });

  it('a handler that outlives HANDLER_TIMEOUT_MS answers 503 handler_timeout with Retry-After', async () => {
    const local = await startApp('sqlite', { HANDLER_TIMEOUT_MS: '200' }, (app) => {
      app.get('/v1/slow', async (request) => {
        // Cooperative cancellation: the handler stops when its deadline is aborted.
        await new Promise((resolve) =>
          request.deadline.addEventListener('abort', resolve, { once: true }),
        );
        return { done: true };
      });
    });
    try {
      const response = await call(local.app, 'GET', '/v1/slow');
      expectProblem(response, 503, 'handler_timeout');
      expect(response.headers['retry-after']).toBe('1');
    } finally {
      await local.close();
    }
  });

  it('every problem type URI resolves to a human page', async () => {
    for (const code of Object.keys(problemCatalogue)) {
      const response = await call(t.app, 'GET', `/problems/${code}`);
      expect(response.statusCode, code).toBe(200);
      expect(response.headers['content-type']).toMatch(/^text\/html/);
      expect(response.body).toContain(`code: ${code}`);
    }
    expect((await call(t.app, 'GET', '/problems/')).body).toContain('validation_failed');
    expectProblem(await call(t.app, 'GET', '/problems/no_such_code'), 404, 'not_found');
  });

  it('errors from the HTTP parser are problem+json too (431 on huge headers)', async () => {
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write(`GET /livez HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
      });
      let data = '';
      socket.on('data', (chunk: Buffer) => (data += chunk.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(raw).toMatch(/^HTTP\/1\.1 431 /);
    expect(raw).toMatch(/Content-Type: application\/problem\+json/);
    expect(raw).toContain('"code":"request_header_fields_too_large"');
    const requestId = /X-Request-Id: (req_[0-9a-f]{32})/.exec(raw)?.[1];
    expect(requestId).toBeDefined();
    expect(raw).toContain(`"request_id":"${requestId}"`);
    expect(
      t.logs.some(
        (line) => line.request_id === requestId && line.msg === 'unreadable HTTP request',
      ),
    ).toBe(true);
  });
});
