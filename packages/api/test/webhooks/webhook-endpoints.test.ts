import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSIONS } from '../../src/platform/versioning/api-version.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

const URL_OK = 'http://127.0.0.1:9/hooks';

describe.each(stores)('webhook endpoints (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp(store, { WEBHOOK_WORKER_ENABLED: 'false', WEBHOOK_ALLOW_LOOPBACK: 'true' });
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  const count = async (accountId: string) =>
    (
      await t.db.kysely
        .selectFrom('webhook_endpoints')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow()
    ).n;

  it.each(API_VERSIONS)(
    '%s: create shows the secret once; read, list, update, delete',
    async (v) => {
      const created = await call(t.app, 'POST', `/${v}/webhook_endpoints`, {
        tenant,
        body: { url: URL_OK, event_types: ['order.created'], description: 'fulfilment' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const body = created.json<Record<string, unknown>>();
      expect(body).toMatchObject({
        object: 'webhook_endpoint',
        url: URL_OK,
        event_types: ['order.created'],
        enabled: true,
        disabled_reason: null,
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      });
      expect(created.headers.location).toMatch(new RegExp(`/${v}/webhook_endpoints/we_`));
      expect(created.headers['cache-control']).toBe('no-store');
      expect(t.rawLogs()).not.toContain(body.secret as string);
      const id = body.id as string;

      const got = await call(t.app, 'GET', `/${v}/webhook_endpoints/${id}`, { tenant });
      expect(got.statusCode).toBe(200);
      expect(got.json()).not.toHaveProperty('secret');

      const list = await call(t.app, 'GET', `/${v}/webhook_endpoints?limit=100`, { tenant });
      expect(list.statusCode, list.body).toBe(200);
      expect(JSON.stringify(list.json())).toContain(id);
      expect(list.body).not.toContain('whsec_');

      const patched = await call(t.app, 'PATCH', `/${v}/webhook_endpoints/${id}`, {
        tenant,
        body: { event_types: ['*'], description: null, enabled: false },
      });
      expect(patched.json()).toMatchObject({
        event_types: ['*'],
        description: null,
        enabled: false,
      });

      const deliveries = await call(t.app, 'GET', `/${v}/webhook_endpoints/${id}/deliveries`, {
        tenant,
      });
      expect(deliveries.statusCode, deliveries.body).toBe(200);

      expect(
        (await call(t.app, 'DELETE', `/${v}/webhook_endpoints/${id}`, { tenant })).statusCode,
      ).toBe(204);
      expectProblem(
        await call(t.app, 'GET', `/${v}/webhook_endpoints/${id}`, { tenant }),
        404,
        'not_found',
      );
    },
  );

  it("another tenant's endpoint is 404 on every operation", async () => {
    const id = (
      await call(t.app, 'POST', '/v1/webhook_endpoints', {
        tenant,
        body: { url: URL_OK, event_types: ['*'] },
      })
    ).json<{ id: string }>().id;
    const other = await createTestTenant(t, 'other');
    const base = `/v1/webhook_endpoints/${id}`;
    for (const [method, url, body] of [
      ['GET', base, undefined],
      ['PATCH', base, { enabled: false }],
      ['DELETE', base, undefined],
      ['POST', `${base}/rotate_secret`, undefined],
      ['GET', `${base}/deliveries`, undefined],
      ['POST', `${base}/deliveries/whd_01jdq3z7x8k2m4n6p8r0s2t4v6/retry`, undefined],
    ] as const)
      expectProblem(await call(t.app, method, url, { tenant: other, body }), 404, 'not_found');
    expect((await call(t.app, 'GET', base, { tenant })).json()).toMatchObject({ enabled: true });
  });

  it('needs webhooks:read / webhooks:write', async () => {
    const key = await call(t.app, 'POST', '/v1/api_keys', {
      tenant,
      body: { name: 'reader', scopes: ['webhooks:read'] },
    });
    expect(key.statusCode, key.body).toBe(201);
    // v1/v2 do not list scopes added after their publication (PUBLISHED_SCOPES); the key has it.
    expect(key.json<{ scopes: string[] }>().scopes).toEqual([]);
    const reader = {
      ...tenant,
      headers: { authorization: `Bearer ${key.json<{ secret: string }>().secret}` },
    };
    expect((await call(t.app, 'GET', '/v1/webhook_endpoints', { tenant: reader })).statusCode).toBe(
      200,
    );
    expectProblem(
      await call(t.app, 'POST', '/v1/webhook_endpoints', {
        tenant: reader,
        body: { url: URL_OK, event_types: ['*'] },
      }),
      403,
      'insufficient_scope',
    );
  });

  describe('bad input is a 400 problem and stores nothing', () => {
    let fresh: Tenant;
    beforeAll(async () => {
      fresh = await createTestTenant(t, 'bad-input');
    });

    it.each([
      ['malformed JSON', '{"url":', 'malformed_json'],
      [
        'unknown field',
        { url: URL_OK, event_types: ['*'], secret: 'whsec_x' },
        'validation_failed',
      ],
      ['wrong type', { url: 42, event_types: ['*'] }, 'validation_failed'],
      [
        'event_types not a list',
        { url: URL_OK, event_types: 'order.created' },
        'validation_failed',
      ],
      ['unknown event type', { url: URL_OK, event_types: ['order.exploded'] }, 'validation_failed'],
      ['no event types', { url: URL_OK, event_types: [] }, 'validation_failed'],
      [
        'oversized description',
        { url: URL_OK, event_types: ['*'], description: 'x'.repeat(501) },
        'validation_failed',
      ],
      [
        'oversized URL',
        { url: `${URL_OK}?${'a'.repeat(2100)}`, event_types: ['*'] },
        'validation_failed',
      ],
      ['not a URL', { url: 'not a url at all', event_types: ['*'] }, 'validation_failed'],
      ['ftp scheme', { url: 'ftp://example.com/hooks', event_types: ['*'] }, 'validation_failed'],
      [
        'javascript scheme',
        { url: 'javascript:alert(1)//x', event_types: ['*'] },
        'validation_failed',
      ],
      [
        'credentials in URL',
        { url: 'http://u:p@127.0.0.1/h', event_types: ['*'] },
        'validation_failed',
      ],
    ])('%s', async (_name, body, code) => {
      const response = await call(t.app, 'POST', '/v1/webhook_endpoints', { tenant: fresh, body });
      expectProblem(response, 400, code);
      expect(await count(fresh.accountId)).toBe(0);
    });

    it('a PATCH with an unknown field, a wrong type or nothing is refused', async () => {
      const id = (
        await call(t.app, 'POST', '/v1/webhook_endpoints', {
          tenant,
          body: { url: URL_OK, event_types: ['*'] },
        })
      ).json<{ id: string }>().id;
      for (const body of [{}, { secret: 'x' }, { enabled: 'yes' }, { url: 'http://10.0.0.1/x' }])
        expectProblem(
          await call(t.app, 'PATCH', `/v1/webhook_endpoints/${id}`, { tenant, body }),
          400,
          'validation_failed',
        );
      expectProblem(
        await call(t.app, 'GET', '/v1/webhook_endpoints/not-an-id', { tenant }),
        400,
        'validation_failed',
      );
    });
  });
});

describe('SSRF: endpoint URLs must reach public addresses only', () => {
  let t: TestApp;
  let tenant: Tenant;
  beforeAll(async () => {
    t = await startApp('sqlite', { WEBHOOK_WORKER_ENABLED: 'false', NODE_ENV: 'test' });
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it.each([
    'http://127.0.0.1/hooks',
    'http://[::1]/hooks',
    'http://localhost/hooks', // a name that resolves to loopback
    'http://10.1.2.3/hooks',
    'http://172.16.0.1/hooks',
    'http://192.168.1.1/hooks',
    'http://169.254.169.254/latest/meta-data/', // cloud metadata
    'http://[fe80::1]/hooks',
    'http://[fd00::1]/hooks',
    'http://[::ffff:10.0.0.1]/hooks',
    'http://0.0.0.0/hooks',
    'http://100.64.0.1/hooks',
  ])('%s is refused', async (url) => {
    const response = await call(t.app, 'POST', '/v1/webhook_endpoints', {
      tenant,
      body: { url, event_types: ['*'] },
    });
    const problem = expectProblem(response, 400, 'validation_failed');
    expect(problem.errors).toEqual([expect.objectContaining({ pointer: '/url' })]);
  });
});
