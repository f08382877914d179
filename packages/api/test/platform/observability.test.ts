import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

describe('request ids and the access log', () => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp('sqlite');
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('generates a request id and echoes it on success and on error', async () => {
    const ok = await call(t.app, 'GET', '/v1/users', { tenant });
    expect(ok.headers['x-request-id']).toMatch(/^req_[0-9a-f]{32}$/);
    const notFound = await call(t.app, 'GET', '/nope');
    expect(notFound.headers['x-request-id']).toMatch(/^req_/);
    expect(notFound.json()).toMatchObject({ request_id: notFound.headers['x-request-id'] });
  });

  it('keeps a well-formed inbound X-Request-Id and replaces a malformed one', async () => {
    const kept = await call(t.app, 'GET', '/livez', {
      headers: { 'x-request-id': 'edge-7f3a9c21-0001' },
    });
    expect(kept.headers['x-request-id']).toBe('edge-7f3a9c21-0001');
    for (const bad of ['short', 'has spaces in it', 'x'.repeat(200), 'quote"injection\\']) {
      const replaced = await call(t.app, 'GET', '/livez', { headers: { 'x-request-id': bad } });
      expect(replaced.headers['x-request-id']).toMatch(/^req_/);
    }
  });

  it('writes one access line per request with route pattern, status, duration, tenant and request id', async () => {
    const created = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: 'log.check@example.com' },
    });
    const id = created.json<{ id: string }>().id;
    await call(t.app, 'GET', `/v1/users/${id}`, {
      tenant,
      headers: { 'x-request-id': 'trace-me-123456' },
    });
    const lines = t.logs.filter((line) => line.request_id === 'trace-me-123456');
    const access = lines.filter((line) => line.msg === 'request completed');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      method: 'GET',
      route: '/v1/users/:id',
      status: 200,
      duration_ms: expect.any(Number),
      tenant: tenant.accountId,
      service: 'steadfast-api',
      level: 'info',
    });
    expect(JSON.stringify(access[0])).not.toContain(id);
  });

  it('never logs secrets: the API key and cookies are absent from every line', async () => {
    await call(t.app, 'GET', '/v1/users', {
      tenant,
      headers: { cookie: 'session=super-secret-cookie' },
    });
    await call(t.app, 'GET', '/v1/users', {
      headers: { authorization: 'Bearer sk_test_guessing_a_key_here' },
    });
    t.app.log.info(
      {
        headers: {
          authorization: tenant.headers.authorization,
          cookie: 'session=super-secret-cookie',
        },
      },
      'logged a request whole',
    );
    const raw = t.rawLogs();
    expect(raw).toContain('logged a request whole');
    expect(raw).not.toContain(tenant.key);
    expect(raw).not.toContain('super-secret-cookie');
    expect(raw).not.toContain('sk_test_guessing');
    expect(raw).toContain('[redacted]');
  });

  it('security headers suit a JSON API and nothing names the framework', async () => {
    const response = await call(t.app, 'GET', '/v1/users', { tenant });
    expect(response.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'content-security-policy': expect.stringContaining("default-src 'none'"),
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cache-control': 'private, no-cache',
      // The rest of helmet's set (captured once at start, platform/security/headers.ts).
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    });
    // Plain HTTP here: HSTS is sent only over HTTPS (test/platform/tls.test.ts).
    expect(response.headers['strict-transport-security']).toBeUndefined();
    expect(response.headers['x-powered-by']).toBeUndefined();
    expect(response.headers.server).toBeUndefined();
  });

  it('health: /livez answers, /readyz checks the database and reports draining', async () => {
    expect((await call(t.app, 'GET', '/livez')).json()).toEqual({ status: 'ok' });
    expect((await call(t.app, 'GET', '/readyz')).json()).toEqual({
      status: 'ok',
      checks: { database: 'ok' },
    });
    t.app.lifecycle.draining = true;
    const draining = await call(t.app, 'GET', '/readyz');
    t.app.lifecycle.draining = false;
    expectProblem(draining, 503, 'service_unavailable');
    expect(draining.headers['retry-after']).toBe('5');
    expect(draining.json()).toMatchObject({ checks: { shutdown: 'draining' } });
  });

  it('readiness fails with 503 when the database is gone', async () => {
    const local = await startApp('sqlite');
    await local.db.close();
    const response = await call(local.app, 'GET', '/readyz');
    expectProblem(response, 503, 'service_unavailable');
    expect(response.json()).toMatchObject({
      detail: 'The database does not answer.',
      instance: '/readyz',
      checks: { database: 'unavailable' },
    });
    expect(local.logs.some((line) => line.event === 'readiness.failed')).toBe(true);
    await local.app.close();
  });
});
