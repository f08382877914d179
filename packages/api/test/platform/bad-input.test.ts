import { startSandboxProcessor } from '../../src/processor/sandbox/server.js';
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

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

interface Ids {
  paymentId: string;
  refundId: string;
  foreignPaymentId: string;
  foreignRefundId: string;
  /** A key of the tenant that is not the one the requests authenticate with. */
  keyId: string;
  foreignKeyId: string;
  userId: string;
  orderId: string;
  foreignUserId: string;
  foreignOrderId: string;
  endpointId: string;
  foreignEndpointId: string;
  deliveryId: string;
  foreignDeliveryId: string;
}

/**
 * Every authenticated operation, with a valid request and its bad-input variants. The test below
 * checks this table against the OpenAPI document, so a new route without bad-input cases fails.
 */
interface RouteCase {
  method: Method;
  /** OpenAPI path template. */
  template: string;
  url: (ids: Ids) => string;
  /** A valid body for write routes (undefined for routes without a body). */
  body?: (ids: Ids) => Record<string, unknown>;
  /** Same route with a wrong-typed input. */
  wrongType: (ids: Ids) => { url: string; body?: unknown };
  /** Same route with an unknown field / parameter. */
  unknownField: (ids: Ids) => { url: string; body?: unknown };
  /** Same route with an input over its bounds. */
  oversized: (ids: Ids) => { url: string; body?: unknown };
  /** Same route aimed at another tenant's resource; the status it must answer. */
  foreign?: (ids: Ids) => { url: string; body?: unknown; status: number };
}

const item = { name: 'Thing', quantity: 1, unit_amount: 100 };
const bigBody = (extra: Record<string, unknown>) => ({ ...extra, padding: 'x'.repeat(200_000) });

const HOOK = 'https://93.184.215.14/hooks'; // a public address literal: no DNS needed
const hooks = '/v1/webhook_endpoints';
const webhookRoutes: RouteCase[] = [
  {
    method: 'POST',
    template: hooks,
    url: () => hooks,
    body: () => ({ url: HOOK, event_types: ['*'] }),
    wrongType: () => ({ url: hooks, body: { url: HOOK, event_types: '*' } }),
    unknownField: () => ({ url: hooks, body: { url: HOOK, event_types: ['*'], secret: 'x' } }),
    oversized: () => ({ url: hooks, body: bigBody({ url: HOOK, event_types: ['*'] }) }),
  },
  {
    method: 'GET',
    template: hooks,
    url: () => hooks,
    wrongType: () => ({ url: `${hooks}?limit=ten` }),
    unknownField: () => ({ url: `${hooks}?enabled=true` }),
    oversized: () => ({ url: `${hooks}?starting_after=${'a'.repeat(300)}` }),
  },
  ...(['GET', 'PATCH', 'DELETE'] as const).map((method): RouteCase => ({
    method,
    template: `${hooks}/{id}`,
    url: (ids) => `${hooks}/${ids.endpointId}`,
    ...(method === 'PATCH' ? { body: () => ({ description: 'x' }) } : {}),
    wrongType: (ids) =>
      method === 'PATCH'
        ? { url: `${hooks}/${ids.endpointId}`, body: { enabled: 'yes' } }
        : { url: `${hooks}/12345` },
    unknownField: (ids) =>
      method === 'PATCH'
        ? { url: `${hooks}/${ids.endpointId}`, body: { secret: 'x' } }
        : { url: `${hooks}/${ids.endpointId}?expand=deliveries` },
    oversized: (ids) =>
      method === 'PATCH'
        ? { url: `${hooks}/${ids.endpointId}`, body: bigBody({ description: 'x' }) }
        : { url: `${hooks}/we_${'a'.repeat(300)}` },
    foreign: (ids) => ({
      url: `${hooks}/${ids.foreignEndpointId}`,
      ...(method === 'PATCH' ? { body: { description: 'x' } } : {}),
      status: 404,
    }),
  })),
  {
    method: 'POST',
    template: `${hooks}/{id}/rotate_secret`,
    url: (ids) => `${hooks}/${ids.endpointId}/rotate_secret`,
    wrongType: () => ({ url: `${hooks}/true/rotate_secret` }),
    unknownField: (ids) => ({ url: `${hooks}/${ids.endpointId}/rotate_secret?now=1` }),
    oversized: () => ({ url: `${hooks}/we_${'a'.repeat(300)}/rotate_secret` }),
    foreign: (ids) => ({ url: `${hooks}/${ids.foreignEndpointId}/rotate_secret`, status: 404 }),
  },
  {
    method: 'GET',
    template: `${hooks}/{id}/deliveries`,
    url: (ids) => `${hooks}/${ids.endpointId}/deliveries`,
    wrongType: (ids) => ({ url: `${hooks}/${ids.endpointId}/deliveries?limit=x` }),
    unknownField: (ids) => ({ url: `${hooks}/${ids.endpointId}/deliveries?status=failed` }),
    oversized: (ids) => ({
      url: `${hooks}/${ids.endpointId}/deliveries?starting_after=${'a'.repeat(300)}`,
    }),
    foreign: (ids) => ({ url: `${hooks}/${ids.foreignEndpointId}/deliveries`, status: 404 }),
  },
  {
    method: 'GET',
    template: `${hooks}/{id}/deliveries/{delivery_id}`,
    url: (ids) => `${hooks}/${ids.endpointId}/deliveries/${ids.deliveryId}`,
    wrongType: (ids) => ({ url: `${hooks}/${ids.endpointId}/deliveries/42` }),
    unknownField: (ids) => ({
      url: `${hooks}/${ids.endpointId}/deliveries/${ids.deliveryId}?expand=event`,
    }),
    oversized: (ids) => ({
      url: `${hooks}/${ids.endpointId}/deliveries/whd_${'a'.repeat(300)}`,
    }),
    foreign: (ids) => ({
      url: `${hooks}/${ids.foreignEndpointId}/deliveries/${ids.foreignDeliveryId}`,
      status: 404,
    }),
  },
  {
    method: 'POST',
    template: `${hooks}/{id}/deliveries/{delivery_id}/retry`,
    url: (ids) => `${hooks}/${ids.endpointId}/deliveries/${ids.deliveryId}/retry`,
    wrongType: (ids) => ({ url: `${hooks}/${ids.endpointId}/deliveries/42/retry` }),
    unknownField: (ids) => ({
      url: `${hooks}/${ids.endpointId}/deliveries/${ids.deliveryId}/retry?force=1`,
    }),
    oversized: (ids) => ({
      url: `${hooks}/${ids.endpointId}/deliveries/whd_${'a'.repeat(300)}/retry`,
    }),
    foreign: (ids) => ({
      url: `${hooks}/${ids.foreignEndpointId}/deliveries/${ids.foreignDeliveryId}/retry`,
      status: 404,
    }),
  },
];

const v1Routes: RouteCase[] = [
  ...webhookRoutes,
  {
    method: 'POST',
    template: '/v1/users',
    url: () => '/v1/users',
    body: () => ({ email: uniqueEmail('bad') }),
    wrongType: () => ({ url: '/v1/users', body: { email: 42 } }),
    unknownField: () => ({ url: '/v1/users', body: { email: uniqueEmail(), role: 'admin' } }),
    oversized: () => ({ url: '/v1/users', body: bigBody({ email: uniqueEmail() }) }),
  },
  {
    method: 'GET',
    template: '/v1/users',
    url: () => '/v1/users',
    wrongType: () => ({ url: '/v1/users?limit=ten' }),
    unknownField: () => ({ url: '/v1/users?role=admin' }),
    oversized: () => ({ url: `/v1/users?email=${'a'.repeat(300)}%40example.com` }),
  },
  {
    method: 'GET',
    template: '/v1/users/{id}',
    url: (ids) => `/v1/users/${ids.userId}`,
    wrongType: () => ({ url: '/v1/users/12345' }),
    unknownField: (ids) => ({ url: `/v1/users/${ids.userId}?expand=orders` }),
    oversized: () => ({ url: `/v1/users/usr_${'a'.repeat(300)}` }),
    foreign: (ids) => ({ url: `/v1/users/${ids.foreignUserId}`, status: 404 }),
  },
  {
    method: 'PATCH',
    template: '/v1/users/{id}',
    url: (ids) => `/v1/users/${ids.userId}`,
    body: () => ({ name: 'New name' }),
    wrongType: (ids) => ({ url: `/v1/users/${ids.userId}`, body: { name: ['a'] } }),
    unknownField: (ids) => ({ url: `/v1/users/${ids.userId}`, body: { name: 'x', admin: true } }),
    oversized: (ids) => ({ url: `/v1/users/${ids.userId}`, body: bigBody({ name: 'x' }) }),
    foreign: (ids) => ({ url: `/v1/users/${ids.foreignUserId}`, body: { name: 'x' }, status: 404 }),
  },
  {
    method: 'DELETE',
    template: '/v1/users/{id}',
    url: (ids) => `/v1/users/${ids.userId}`,
    wrongType: () => ({ url: '/v1/users/true' }),
    unknownField: (ids) => ({ url: `/v1/users/${ids.userId}?force=true` }),
    oversized: () => ({ url: `/v1/users/usr_${'a'.repeat(300)}` }),
    foreign: (ids) => ({ url: `/v1/users/${ids.foreignUserId}`, status: 404 }),
  },
  {
    method: 'POST',
    template: '/v1/orders',
    url: () => '/v1/orders',
    body: (ids) => ({ user_id: ids.userId, currency: 'EUR', items: [item] }),
    wrongType: (ids) => ({
      url: '/v1/orders',
      body: { user_id: ids.userId, currency: 'EUR', items: { 0: item } },
    }),
    unknownField: (ids) => ({
      url: '/v1/orders',
      body: { user_id: ids.userId, currency: 'EUR', items: [item], discount: 50 },
    }),
    oversized: (ids) => ({
      url: '/v1/orders',
      body: bigBody({ user_id: ids.userId, currency: 'EUR', items: [item] }),
    }),
    foreign: (ids) => ({
      url: '/v1/orders',
      body: { user_id: ids.foreignUserId, currency: 'EUR', items: [item] },
      status: 400,
    }),
  },
  {
    method: 'GET',
    template: '/v1/orders',
    url: () => '/v1/orders',
    wrongType: () => ({ url: '/v1/orders?limit=1.5' }),
    unknownField: () => ({ url: '/v1/orders?sort=amount' }),
    oversized: () => ({ url: '/v1/orders?limit=1000' }),
  },
  {
    method: 'GET',
    template: '/v1/orders/{id}',
    url: (ids) => `/v1/orders/${ids.orderId}`,
    wrongType: () => ({ url: '/v1/orders/-1' }),
    unknownField: (ids) => ({ url: `/v1/orders/${ids.orderId}?expand=user` }),
    oversized: () => ({ url: `/v1/orders/ord_${'a'.repeat(300)}` }),
    foreign: (ids) => ({ url: `/v1/orders/${ids.foreignOrderId}`, status: 404 }),
  },
  {
    method: 'POST',
    template: '/v1/orders/{id}/cancel',
    url: (ids) => `/v1/orders/${ids.orderId}/cancel`,
    body: () => ({}),
    wrongType: (ids) => ({ url: `/v1/orders/${ids.orderId}/cancel`, body: [] }),
    unknownField: (ids) => ({
      url: `/v1/orders/${ids.orderId}/cancel`,
      body: { reason: 'changed my mind' },
    }),
    oversized: (ids) => ({ url: `/v1/orders/${ids.orderId}/cancel`, body: bigBody({}) }),
    foreign: (ids) => ({ url: `/v1/orders/${ids.foreignOrderId}/cancel`, status: 404 }),
  },
  {
    method: 'POST',
    template: '/v1/api_keys',
    url: () => '/v1/api_keys',
    body: () => ({ name: 'ci' }),
    wrongType: () => ({ url: '/v1/api_keys', body: { name: 'ci', scopes: 'users:read' } }),
    unknownField: () => ({ url: '/v1/api_keys', body: { name: 'ci', admin: true } }),
    oversized: () => ({ url: '/v1/api_keys', body: bigBody({ name: 'ci' }) }),
  },
  {
    method: 'GET',
    template: '/v1/api_keys',
    url: () => '/v1/api_keys',
    wrongType: () => ({ url: '/v1/api_keys?limit=all' }),
    unknownField: () => ({ url: '/v1/api_keys?include=secret' }),
    oversized: () => ({ url: `/v1/api_keys?starting_after=${'a'.repeat(300)}` }),
  },
  {
    method: 'POST',
    template: '/v1/api_keys/{id}/revoke',
    url: (ids) => `/v1/api_keys/${ids.keyId}/revoke`,
    body: () => ({}),
    wrongType: (ids) => ({ url: `/v1/api_keys/${ids.keyId}/revoke`, body: 'null' }),
    unknownField: (ids) => ({
      url: `/v1/api_keys/${ids.keyId}/revoke`,
      body: { reason: 'leaked' },
    }),
    oversized: (ids) => ({ url: `/v1/api_keys/${ids.keyId}/revoke`, body: bigBody({}) }),
    foreign: (ids) => ({ url: `/v1/api_keys/${ids.foreignKeyId}/revoke`, status: 404 }),
  },
  {
    method: 'POST',
    template: '/v1/payments',
    url: () => '/v1/payments',
    body: (ids) => ({ order_id: ids.orderId, payment_method: 'pm_card_visa' }),
    wrongType: (ids) => ({
      url: '/v1/payments',
      body: { order_id: ids.orderId, payment_method: 'pm_card_visa', amount: '10' },
    }),
    unknownField: (ids) => ({
      url: '/v1/payments',
      body: { order_id: ids.orderId, payment_method: 'pm_card_visa', capture: false },
    }),
    oversized: (ids) => ({
      url: '/v1/payments',
      body: bigBody({ order_id: ids.orderId, payment_method: 'pm_card_visa' }),
    }),
    foreign: (ids) => ({
      url: '/v1/payments',
      body: { order_id: ids.foreignOrderId, payment_method: 'pm_card_visa' },
      status: 404,
    }),
  },
  {
    method: 'GET',
    template: '/v1/payments',
    url: () => '/v1/payments',
    wrongType: () => ({ url: '/v1/payments?limit=-3' }),
    unknownField: () => ({ url: '/v1/payments?customer=me' }),
    oversized: () => ({ url: `/v1/payments?order_id=ord_${'a'.repeat(300)}` }),
  },
  {
    method: 'GET',
    template: '/v1/payments/{id}',
    url: (ids) => `/v1/payments/${ids.paymentId}`,
    wrongType: () => ({ url: '/v1/payments/42' }),
    unknownField: (ids) => ({ url: `/v1/payments/${ids.paymentId}?expand=order` }),
    oversized: () => ({ url: `/v1/payments/pay_${'a'.repeat(300)}` }),
    foreign: (ids) => ({ url: `/v1/payments/${ids.foreignPaymentId}`, status: 404 }),
  },
  {
    method: 'POST',
    template: '/v1/payments/{id}/refunds',
    url: (ids) => `/v1/payments/${ids.paymentId}/refunds`,
    body: () => ({ amount: 1 }),
    wrongType: (ids) => ({ url: `/v1/payments/${ids.paymentId}/refunds`, body: { amount: 1.5 } }),
    unknownField: (ids) => ({
      url: `/v1/payments/${ids.paymentId}/refunds`,
      body: { amount: 1, reason: 'x' },
    }),
    oversized: (ids) => ({
      url: `/v1/payments/${ids.paymentId}/refunds`,
      body: bigBody({ amount: 1 }),
    }),
    foreign: (ids) => ({
      url: `/v1/payments/${ids.foreignPaymentId}/refunds`,
      body: { amount: 1 },
      status: 404,
    }),
  },
  {
    method: 'GET',
    template: '/v1/payments/{id}/refunds',
    url: (ids) => `/v1/payments/${ids.paymentId}/refunds`,
    wrongType: (ids) => ({ url: `/v1/payments/${ids.paymentId}/refunds?limit=x` }),
    unknownField: (ids) => ({ url: `/v1/payments/${ids.paymentId}/refunds?status=all` }),
    oversized: (ids) => ({
      url: `/v1/payments/${ids.paymentId}/refunds?starting_after=${'a'.repeat(300)}`,
    }),
    foreign: (ids) => ({ url: `/v1/payments/${ids.foreignPaymentId}/refunds`, status: 404 }),
  },
  {
    method: 'GET',
    template: '/v1/refunds/{id}',
    url: (ids) => `/v1/refunds/${ids.refundId}`,
    wrongType: () => ({ url: '/v1/refunds/true' }),
    unknownField: (ids) => ({ url: `/v1/refunds/${ids.refundId}?expand=payment` }),
    oversized: () => ({ url: `/v1/refunds/re_${'a'.repeat(300)}` }),
    foreign: (ids) => ({ url: `/v1/refunds/${ids.foreignRefundId}`, status: 404 }),
  },
];

/** v2 money: `{ amount, currency }` objects instead of flat fields (see modules/orders/versions). */
const itemV2 = { name: 'Thing', quantity: 1, unit_price_money: { amount: 100, currency: 'EUR' } };
const money = (amount: unknown) => ({ amount, currency: 'EUR' });

/** The same route in v2: its path, and the v2 shape where the request shape changed. */
const v2Overrides: Record<string, Partial<RouteCase>> = {
  'POST /v1/orders': {
    body: (ids) => ({ user_id: ids.userId, items: [itemV2] }),
    wrongType: (ids) => ({
      url: '/v2/orders',
      body: { user_id: ids.userId, items: { 0: itemV2 } },
    }),
    unknownField: (ids) => ({
      url: '/v2/orders',
      body: { user_id: ids.userId, items: [itemV2], currency: 'EUR' },
    }),
    oversized: (ids) => ({
      url: '/v2/orders',
      body: bigBody({ user_id: ids.userId, items: [itemV2] }),
    }),
    foreign: (ids) => ({
      url: '/v2/orders',
      body: { user_id: ids.foreignUserId, items: [itemV2] },
      status: 400,
    }),
  },
  'POST /v1/payments': {
    wrongType: (ids) => ({
      url: '/v2/payments',
      body: { order_id: ids.orderId, payment_method: 'pm_card_visa', amount_money: money('10') },
    }),
    unknownField: (ids) => ({
      url: '/v2/payments',
      body: { order_id: ids.orderId, payment_method: 'pm_card_visa', amount: 10 },
    }),
  },
  'POST /v1/payments/{id}/refunds': {
    body: () => ({ amount_money: money(1) }),
    wrongType: (ids) => ({
      url: `/v2/payments/${ids.paymentId}/refunds`,
      body: { amount_money: money(1.5) },
    }),
    unknownField: (ids) => ({
      url: `/v2/payments/${ids.paymentId}/refunds`,
      body: { amount: 1 },
    }),
    oversized: (ids) => ({
      url: `/v2/payments/${ids.paymentId}/refunds`,
      body: bigBody({ amount_money: money(1) }),
    }),
    foreign: (ids) => ({
      url: `/v2/payments/${ids.foreignPaymentId}/refunds`,
      body: { amount_money: money(1) },
      status: 404,
    }),
  },
};

const toV2 = (input: { url: string; body?: unknown }) => ({
  ...input,
  url: input.url.replace(/^\/v1\//, '/v2/').replace('starting_after=', 'cursor='),
});

function v2Route(route: RouteCase): RouteCase {
  const overrides = v2Overrides[`${route.method} ${route.template}`] ?? {};
  const foreign = route.foreign;
  return {
    ...route,
    template: route.template.replace('/v1/', '/v2/'),
    url: (ids) => toV2({ url: route.url(ids) }).url,
    wrongType: (ids) => toV2(route.wrongType(ids)),
    unknownField: (ids) => toV2(route.unknownField(ids)),
    oversized: (ids) => toV2(route.oversized(ids)),
    ...(foreign
      ? { foreign: (ids) => ({ ...toV2(foreign(ids)), status: foreign(ids).status }) }
      : {}),
    ...overrides,
  };
}

/** Every operation of both API versions. */
const routes: RouteCase[] = [...v1Routes, ...v1Routes.map(v2Route)];

describe.each(stores)('bad input on every route is a 4xx problem, never a 500 (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;
  let ids: Ids;
  let sandbox: Awaited<ReturnType<typeof startSandboxProcessor>>;
  let otherAccountId: string;

  /** Everything the other tenant owns: no request of this tenant may change any of it. */
  const foreignRows = async () => ({
    payments: await t.db.kysely
      .selectFrom('payments')
      .selectAll()
      .where('account_id', '=', otherAccountId)
      .orderBy('id')
      .execute(),
    refunds: await t.db.kysely
      .selectFrom('refunds')
      .selectAll()
      .where('account_id', '=', otherAccountId)
      .orderBy('id')
      .execute(),
    users: await t.db.kysely
      .selectFrom('users')
      .selectAll()
      .where('account_id', '=', otherAccountId)
      .orderBy('id')
      .execute(),
    orders: await t.db.kysely
      .selectFrom('orders')
      .selectAll()
      .where('account_id', '=', otherAccountId)
      .orderBy('id')
      .execute(),
    keys: await t.db.kysely
      .selectFrom('api_keys')
      .selectAll()
      .where('account_id', '=', otherAccountId)
      .orderBy('id')
      .execute(),
  });

  beforeAll(async () => {
    sandbox = await startSandboxProcessor();
    // No webhook worker: the endpoints here point at an address this machine cannot reach.
    t = await startApp(store, {
      PAYMENT_PROCESSOR_URL: sandbox.url,
      WEBHOOK_WORKER_ENABLED: 'false',
      // One 401 per route ("without credentials"): more routes than the default 50 per address.
      RATE_LIMIT_AUTH_FAILURE_QUOTA: '500',
    });
    tenant = await createTestTenant(t);
    const other = await createTestTenant(t, 'other');
    const paymentOf = async (owner: Tenant, userId: string) => {
      const order = await seedOrder(t, owner, userId);
      const response = await call(t.app, 'POST', '/v1/payments', {
        tenant: owner,
        body: { order_id: order.id, payment_method: 'pm_card_visa' },
        headers: { 'idempotency-key': `seed-${order.id}` },
      });
      const payment = response.json<{ id: string }>().id;
      const refund = await call(t.app, 'POST', `/v1/payments/${payment}/refunds`, {
        tenant: owner,
        body: { amount: 1 },
        headers: { 'idempotency-key': `seed-refund-${order.id}` },
      });
      return { payment, refund: refund.json<{ id: string }>().id };
    };
    const userId = await seedUser(t, tenant);
    const foreignUserId = await seedUser(t, other);
    const keyOf = async (owner: Tenant) =>
      (await call(t.app, 'POST', '/v1/api_keys', { tenant: owner, body: { name: 'spare' } })).json<{
        id: string;
      }>().id;
    otherAccountId = other.accountId;
    // An endpoint per tenant, then an order each: one delivery each.
    const hookOf = async (owner: Tenant) => {
      const endpointId = (
        await call(t.app, 'POST', '/v1/webhook_endpoints', {
          tenant: owner,
          body: { url: 'https://93.184.215.14/hooks', event_types: ['order.created'] },
        })
      ).json<{ id: string }>().id;
      await seedOrder(t, owner, owner === tenant ? userId : foreignUserId);
      const delivery = await t.db.kysely
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('endpoint_id', '=', endpointId)
        .executeTakeFirstOrThrow();
      return { endpointId, deliveryId: delivery.id };
    };
    const mine = await hookOf(tenant);
    const theirs = await hookOf(other);
    ids = {
      endpointId: mine.endpointId,
      deliveryId: mine.deliveryId,
      foreignEndpointId: theirs.endpointId,
      foreignDeliveryId: theirs.deliveryId,
      keyId: await keyOf(tenant),
      foreignKeyId: await keyOf(other),
      userId,
      orderId: (await seedOrder(t, tenant, userId)).id,
      foreignUserId,
      foreignOrderId: (await seedOrder(t, other, foreignUserId)).id,
      ...(await paymentOf(tenant, userId).then((p) => ({
        paymentId: p.payment,
        refundId: p.refund,
      }))),
      ...(await paymentOf(other, foreignUserId).then((p) => ({
        foreignPaymentId: p.payment,
        foreignRefundId: p.refund,
      }))),
    };
  });
  afterAll(async () => {
    await t.close();
    await sandbox.close();
  });

  it('the table covers every authenticated operation in the OpenAPI document', () => {
    const documented = Object.entries(t.app.swagger().paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item ?? {})
        .filter((m) => ['get', 'post', 'patch', 'delete', 'put'].includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    const authenticated = documented.filter(
      (op) => /\/v\d+\//.test(op) && !op.endsWith('openapi.json'),
    );
    expect(routes.map((r) => `${r.method} ${r.template}`).sort()).toEqual(authenticated.sort());
  });

  describe.each(routes.map((r) => [`${r.method} ${r.template}`, r] as const))(
    '%s',
    (_name, route) => {
      const send = (input: { url: string; body?: unknown }, options: { auth?: boolean } = {}) =>
        call(t.app, route.method, input.url, {
          ...(options.auth === false ? {} : { tenant }),
          body: input.body,
          // A fresh key per request, so payment routes get past "Idempotency-Key required".
          ...(route.method === 'POST'
            ? { headers: { 'idempotency-key': `bad-input-${Math.random()}` } }
            : {}),
        });

      it('without credentials → 401', async () => {
        expectProblem(
          await send({ url: route.url(ids), body: route.body?.(ids) }, { auth: false }),
          401,
          'unauthenticated',
        );
      });

      it('wrong type → 400 validation_failed', async () => {
        expectProblem(await send(route.wrongType(ids)), 400, 'validation_failed');
      });

      it('unknown field → 400 naming the field', async () => {
        const problem = expectProblem(
          await send(route.unknownField(ids)),
          400,
          'validation_failed',
        );
        expect(problem.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ detail: 'is not a known field' })]),
        );
      });

      it('oversized input → 4xx problem', async () => {
        const response = await send(route.oversized(ids));
        expect(response.statusCode).toBeGreaterThanOrEqual(400);
        expect(response.statusCode).toBeLessThan(500);
        expectProblem(response, response.statusCode, response.json<{ code: string }>().code);
        if (route.body) expect(response.statusCode).toBe(413);
      });

      if (route.body) {
        it('malformed JSON → 400 malformed_json', async () => {
          expectProblem(
            await send({ url: route.url(ids), body: '{"unterminated": ' }),
            400,
            'malformed_json',
          );
        });
        it('non-JSON media type → 415', async () => {
          const response = await call(t.app, route.method, route.url(ids), {
            tenant,
            body: 'a=b',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
          });
          expectProblem(response, 415, 'unsupported_media_type');
        });
      }

      if (route.foreign) {
        it("another tenant's id → same answer as a missing one, nothing changed", async () => {
          const foreign = route.foreign!(ids);
          const before = await foreignRows();
          const response = await send(foreign);
          expectProblem(
            response,
            foreign.status,
            foreign.status === 404 ? 'not_found' : 'validation_failed',
          );
          expect(await foreignRows()).toEqual(before);
        });
      }
    },
  );
});

// Regression: PostgreSQL cannot store NUL in text, so this was a 500 there and a 201 on SQLite.
describe.each(stores)('NUL characters in free text are refused on every store (%s)', (store) => {
  it('answers 400 validation_failed for user, order item and API key names', async () => {
    const t = await startApp(store);
    try {
      const tenant = await createTestTenant(t);
      const userId = await seedUser(t, tenant);
      const cases = [
        call(t.app, 'POST', '/v1/users', {
          tenant,
          body: { email: uniqueEmail(), name: 'a\u0000b' },
        }),
        call(t.app, 'PATCH', `/v1/users/${userId}`, { tenant, body: { name: 'a\u0000b' } }),
        call(t.app, 'POST', '/v1/orders', {
          tenant,
          body: { user_id: userId, currency: 'EUR', items: [{ ...item, name: 'a\u0000b' }] },
        }),
        call(t.app, 'POST', '/v1/api_keys', { tenant, body: { name: 'a\u0000b' } }),
      ];
      for (const response of await Promise.all(cases))
        expectProblem(response, 400, 'validation_failed');
    } finally {
      await t.close();
    }
  });
});
