import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

const ALLOWED = 'https://app.example.com';
const OTHER = 'https://evil.example.net';

const preflight = (t: TestApp, origin: string, url = '/v1/users', method = 'POST') =>
  t.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type',
    },
  });

describe('CORS allow-list', () => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp('sqlite', {
      CORS_ALLOWED_ORIGINS: `${ALLOWED}, http://localhost:5173`,
    });
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('an allowed origin gets its own origin back, no credentials, and the exposed headers', async () => {
    const response = await call(t.app, 'GET', '/v1/users', {
      tenant,
      headers: { origin: ALLOWED },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
    expect(response.headers.vary).toMatch(/Origin/i);
    const exposed = String(response.headers['access-control-expose-headers'])
      .split(',')
      .map((h) => h.trim().toLowerCase());
    for (const header of [
      'x-request-id',
      'etag',
      'link',
      'location',
      'ratelimit',
      'ratelimit-policy',
      'retry-after',
    ])
      expect(exposed).toContain(header);
  });

  it('errors carry the CORS headers too, so a browser client can read them', async () => {
    const response = await call(t.app, 'GET', '/v1/users', { headers: { origin: ALLOWED } });
    expectProblem(response, 401, 'unauthenticated');
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
  });

  it('a disallowed origin gets no CORS headers (the browser then blocks the response)', async () => {
    const response = await call(t.app, 'GET', '/v1/users', { tenant, headers: { origin: OTHER } });
    expect(response.statusCode).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-expose-headers']).toBeUndefined();
    // Near misses are not matches: scheme, port and suffix all count.
    for (const near of ['http://app.example.com', `${ALLOWED}:8443`, `${ALLOWED}.evil.net`]) {
      const nearMiss = await call(t.app, 'GET', '/livez', { headers: { origin: near } });
      expect(nearMiss.headers['access-control-allow-origin'], near).toBeUndefined();
    }
  });

  it('a preflight from an allowed origin is answered 204 with methods, headers and max-age', async () => {
    const response = await preflight(t, ALLOWED);
    expect(response.statusCode).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(response.headers['access-control-allow-methods']).toMatch(/POST/);
    expect(response.headers['access-control-allow-methods']).toMatch(/PATCH/);
    expect(String(response.headers['access-control-allow-headers']).toLowerCase()).toMatch(
      /authorization.*content-type|content-type.*authorization/,
    );
    expect(response.headers['access-control-max-age']).toBe('600');
    expect(response.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('a preflight from any other origin is not answered: a 405 problem, no CORS headers', async () => {
    const response = await preflight(t, OTHER);
    expectProblem(response, 405, 'method_not_allowed');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('the preflight route does not turn unknown paths into 405s', async () => {
    expectProblem(await call(t.app, 'GET', '/v1/nothing-here'), 404, 'route_not_found');
    const wrongMethod = await call(t.app, 'PUT', '/v1/users', { tenant, body: {} });
    expectProblem(wrongMethod, 405, 'method_not_allowed');
    expect(wrongMethod.headers.allow).toBe('GET, HEAD, POST');
  });
});

describe('CORS off (no CORS_ALLOWED_ORIGINS)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp('sqlite');
  });
  afterAll(() => t.close());

  it('sends no CORS headers at all and does not answer preflights', async () => {
    const simple = await call(t.app, 'GET', '/livez', { headers: { origin: ALLOWED } });
    expect(Object.keys(simple.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const response = await preflight(t, ALLOWED);
    expectProblem(response, 405, 'method_not_allowed');
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('CORS_ALLOWED_ORIGINS validation', () => {
  it.each([
    '*',
    'https://app.example.com/',
    'https://app.example.com/path',
    'app.example.com',
    'ftp://x.example',
  ])('refuses %s', (value) => {
    expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ CORS_ALLOWED_ORIGINS: value })).toThrowError(
      /^Invalid configuration: CORS_ALLOWED_ORIGINS /,
    );
  });

  it('defaults to no origins', () => {
    expect(loadConfig({}).corsAllowedOrigins).toEqual([]);
  });
});
