import { once } from 'node:events';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import {
  createTestTenant,
  startApp,
  stores,
  uniqueEmail,
  type Tenant,
  type TestApp,
} from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

/**
 * One domain core behind both versions: what one version writes the other reads, ETags and
 * If-Match mean the same version of a resource, an idempotency key belongs to one request, and
 * rate limits are one budget per credential.
 */
describe.each(stores)('v1 and v2 side by side (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp(store, {
      RATE_LIMIT_WRITE_QUOTA: '1000',
      V1_DEPRECATED_AT: '2026-12-01T00:00:00Z',
      V1_SUNSET_AT: '2027-06-30T12:00:00+02:00',
    });
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('an order written through v1 is read through v2 (and back), same id, same ETag', async () => {
    const user = await call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail() } });
    const userId = user.json<{ id: string }>().id;
    const created = await call(t.app, 'POST', '/v1/orders', {
      tenant,
      body: {
        user_id: userId,
        currency: 'JPY',
        items: [{ name: 'Tea', quantity: 2, unit_amount: 700 }],
      },
    });
    const id = created.json<{ id: string }>().id;
    const viaV2 = await call(t.app, 'GET', `/v2/orders/${id}`, { tenant });
    expect(viaV2.headers.etag).toBe(created.headers.etag);
    expect(viaV2.json()).toMatchObject({
      id,
      user_id: userId,
      total_money: { amount: 1400, currency: 'JPY' },
      items: [
        {
          unit_price_money: { amount: 700, currency: 'JPY' },
          total_money: { amount: 1400, currency: 'JPY' },
        },
      ],
    });
    const viaV1 = await call(t.app, 'GET', `/v1/users/${userId}`, { tenant });
    expect((await call(t.app, 'GET', `/v2/users/${userId}`, { tenant })).body).toBe(viaV1.body);
  });

  it('an ETag read through v1 guards a write through v2: stale is 412 in either', async () => {
    const user = await call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail() } });
    const id = user.json<{ id: string }>().id;
    const etag = String(user.headers.etag);
    const updated = await call(t.app, 'PATCH', `/v2/users/${id}`, {
      tenant,
      body: { name: 'Via v2' },
      headers: { 'if-match': etag },
    });
    expect(updated.statusCode).toBe(200);
    const stale = await call(t.app, 'PATCH', `/v1/users/${id}`, {
      tenant,
      body: { name: 'Via v1' },
      headers: { 'if-match': etag },
    });
    expectProblem(stale, 412, 'precondition_failed');
  });

  it('an idempotency key belongs to one request: reusing it on the other version is 422', async () => {
    const key = `cross-${Date.now()}`;
    const email = uniqueEmail();
    const first = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email },
      headers: { 'idempotency-key': key },
    });
    expect(first.statusCode).toBe(201);
    const other = await call(t.app, 'POST', '/v2/users', {
      tenant,
      body: { email },
      headers: { 'idempotency-key': key },
    });
    const problem = expectProblem(other, 422, 'idempotency_key_reused');
    expect(problem.instance).toBe('/v2/users');
    // …while each version replays its own request.
    const replay = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email },
      headers: { 'idempotency-key': key },
    });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toBe(first.body);
  });

  it('a client path cannot smuggle links of its own into the successor link', async () => {
    // Over a raw socket: inject would percent-encode the path before the app saw it.
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = t.app.server.address() as AddressInfo;
    const socket = connect(port, '127.0.0.1');
    socket.write(
      `GET /v1/x>;rel="next",<https://evil.example/ HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
        `Authorization: Bearer ${tenant.key}\r\nConnection: close\r\n\r\n`,
    );
    let raw = '';
    socket.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    await once(socket, 'end');
    const head = raw.slice(0, raw.indexOf('\r\n\r\n'));
    expect(head).toMatch(/^HTTP\/1\.1 404/);
    const link = head.split('\r\n').find((line) => line.toLowerCase().startsWith('link:'));
    expect(link).toBeDefined();
    expect(link).not.toContain('<https://evil.example');
    expect(link).toContain(
      '<http://127.0.0.1:3000/v2/x%3E;rel=%22next%22,%3Chttps://evil.example/>; rel="successor-version"',
    );
  });

  it('v1 announces its retirement with the configured dates; v2 does not', async () => {
    const v1 = await call(t.app, 'GET', '/v1/users?limit=1', { tenant });
    expect(v1.headers.deprecation).toBe(`@${Date.parse('2026-12-01T00:00:00Z') / 1000}`);
    expect(v1.headers.sunset).toBe('Wed, 30 Jun 2027 10:00:00 GMT');
    const links = String(v1.headers.link).split(/,\s*(?=<)/);
    expect(links).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/\/v1\/users\?limit=1&starting_after=[^>]+>; rel="next"$/),
        '<http://127.0.0.1:3000/v2/users>; rel="successor-version"',
        '<http://127.0.0.1:3000/docs/?urls.primaryName=v1>; rel="deprecation"; type="text/html"',
      ]),
    );
    const unknown = await call(t.app, 'GET', '/v1/nothing-here', { tenant });
    expectProblem(unknown, 404, 'route_not_found');
    expect(unknown.headers.deprecation).toBeDefined();
    const v2 = await call(t.app, 'GET', '/v2/users?limit=1', { tenant });
    expect(v2.headers.deprecation).toBeUndefined();
    expect(v2.headers.sunset).toBeUndefined();
    expect(String(v2.headers.link)).not.toContain('successor-version');
  });
});

describe('rate limits are one budget per credential across versions', () => {
  it('v1 and v2 requests spend from the same bucket', async () => {
    const t = await startApp('sqlite', { RATE_LIMIT_API_KEY_QUOTA: '3' });
    try {
      const tenant = await createTestTenant(t);
      const remaining = (response: { headers: Record<string, unknown> }) =>
        /"api_key";r=(\d+)/.exec(String(response.headers.ratelimit))?.[1];
      expect(remaining(await call(t.app, 'GET', '/v1/users', { tenant }))).toBe('2');
      expect(remaining(await call(t.app, 'GET', '/v2/users', { tenant }))).toBe('1');
      expect(remaining(await call(t.app, 'GET', '/v1/orders', { tenant }))).toBe('0');
      const refused = await call(t.app, 'GET', '/v2/orders', { tenant });
      expectProblem(refused, 429, 'rate_limited');
      expect(refused.headers['retry-after']).toBeDefined();
    } finally {
      await t.close();
    }
  });
});

describe('V1_DEPRECATED_AT and V1_SUNSET_AT', () => {
  it('default to v2’s release and a sunset twelve months later', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.versioning.v1DeprecatedAt.toISOString()).toBe('2026-11-25T00:00:00.000Z');
    expect(config.versioning.v1SunsetAt.toISOString()).toBe('2027-11-30T00:00:00.000Z');
  });

  it('refuse a date without a zone, garbage, and a sunset before the deprecation', () => {
    expect(() => loadConfig({ V1_SUNSET_AT: '2027-11-30T00:00:00' })).toThrow(/V1_SUNSET_AT/);
    expect(() => loadConfig({ V1_DEPRECATED_AT: 'soon' })).toThrow(ConfigError);
    expect(() =>
      loadConfig({
        V1_DEPRECATED_AT: '2027-01-01T00:00:00Z',
        V1_SUNSET_AT: '2026-12-31T00:00:00Z',
      }),
    ).toThrow(/V1_SUNSET_AT must be after V1_DEPRECATED_AT/);
  });
});
