import type { FastifyInstance } from 'fastify';
import { startSandboxProcessor } from '../../src/processor/sandbox/server.js';
import { createTestTenant, startApp, type Store } from '../support/app.js';
import { CONTRACT_HEADERS, Normaliser } from './normalise.js';

/**
 * A fixed walk through every /v1 operation, the happy paths and the refusals a client meets
 * (validation, 401, 403, 404, 405, 409, 412, 422, idempotent replay, 304). It was recorded from
 * the code as it was before /v2 existed (fixtures/v1-exchanges.json); the replay test runs it again
 * and compares byte for byte, so a change that alters what a v1 client sees cannot go unnoticed.
 */

export interface Exchange {
  name: string;
  request: {
    method: string;
    url: string;
    /** Whose credentials: the tenant's full key unless said otherwise. */
    auth?: 'none' | 'limited' | 'revoked';
    headers?: Record<string, string>;
    body?: unknown;
  };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'HEAD';

interface Step {
  name: string;
  method: Method;
  url: string;
  body?: unknown;
  /** A body sent as is (malformed JSON). */
  raw?: string;
  headers?: Record<string, string>;
  /** Send without the tenant's credentials (or with these instead). */
  auth?: 'none' | 'limited' | 'revoked';
}

/** Fixed, so bodies compare equal; unique per tenant only, and every run has a fresh tenant. */
const EMAILS = {
  ada: 'ada.v1-fixture@example.com',
  grace: 'grace.v1-fixture@example.com',
  linus: 'linus.v1-fixture@example.com',
};

const MISSING = {
  user: 'usr_01jdq3z7x8k2m4n6p8r0s2t4v6',
  order: 'ord_01jdq41m2n3p4q5r6s7t8v9w0x',
  payment: 'pay_01jdq6a1b2c3d4e5f6g7h8j9k0',
  refund: 're_01jdq6b1c2d3e4f5g6h7j8k9m0',
  key: 'key_01jdq52a3b4c5d6e7f8g9h0j1k',
};

interface Recorder {
  send(step: Step): Promise<{ status: number; json: Record<string, unknown> }>;
  exchanges: Exchange[];
}

function recorder(
  app: FastifyInstance,
  credentials: () => { tenant: string; limited?: string; revoked?: string },
): Recorder {
  const normaliser = new Normaliser();
  const exchanges: Exchange[] = [];
  return {
    exchanges,
    async send(step) {
      const keys = credentials();
      const token =
        step.auth === 'none'
          ? undefined
          : step.auth === 'limited'
            ? keys.limited
            : step.auth === 'revoked'
              ? keys.revoked
              : keys.tenant;
      const headers: Record<string, string> = { ...(step.headers ?? {}) };
      if (token) headers.authorization = `Bearer ${token}`;
      const payload = step.raw ?? (step.body === undefined ? undefined : JSON.stringify(step.body));
      if (payload !== undefined) headers['content-type'] = 'application/json';
      const response = await app.inject({
        method: step.method,
        url: step.url,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      });
      const recordedHeaders: Record<string, string> = {};
      for (const name of CONTRACT_HEADERS) {
        const value = response.headers[name];
        if (value !== undefined) recordedHeaders[name] = normaliser.text(String(value));
      }
      const text = normaliser.text(response.body);
      // Stored parsed when the text is exactly its own compact JSON, so the fixture stays
      // readable and the comparison (re-serialising it) is still byte for byte.
      let body: unknown = text;
      if (text !== '') {
        try {
          const parsed: unknown = JSON.parse(text);
          if (JSON.stringify(parsed) === text) body = parsed;
        } catch {
          // not JSON (304, 204): kept as text
        }
      }
      const requestHeaders = Object.fromEntries(
        Object.entries(step.headers ?? {}).map(([name, value]) => [name, normaliser.text(value)]),
      );
      exchanges.push({
        name: step.name,
        request: {
          method: step.method,
          url: normaliser.text(step.url),
          ...(step.auth ? { auth: step.auth } : {}),
          ...(Object.keys(requestHeaders).length > 0 ? { headers: requestHeaders } : {}),
          ...(step.raw !== undefined ? { body: step.raw } : {}),
          ...(step.body !== undefined
            ? { body: JSON.parse(normaliser.text(JSON.stringify(step.body))) as unknown }
            : {}),
        },
        response: { status: response.statusCode, headers: recordedHeaders, body },
      });
      let json: Record<string, unknown> = {};
      try {
        json = response.json<Record<string, unknown>>();
      } catch {
        // empty body
      }
      return { status: response.statusCode, json };
    },
  };
}

/** Runs the walk on a fresh app (with a sandbox processor) and returns the normalised exchanges. */
export async function runV1Scenario(store: Store): Promise<Exchange[]> {
  const sandbox = await startSandboxProcessor({ slowMs: 50, hangMs: 2_000 });
  const t = await startApp(store, {
    PAYMENT_PROCESSOR_URL: sandbox.url,
    // last_used_at would otherwise change between runs depending on when a flush happens.
    API_KEY_LAST_USED_FLUSH_MS: '3600000',
  });
  const keys: { tenant: string; limited?: string; revoked?: string } = { tenant: '' };
  try {
    const tenant = await createTestTenant(t, 'v1-fixture');
    keys.tenant = tenant.key;
    const r = recorder(t.app, () => keys);
    const step = (s: Step) => r.send(s);
    const idOf = async (s: Step) => (await step(s)).json.id as string;

    // Users
    await step({
      name: 'list users without credentials',
      method: 'GET',
      url: '/v1/users',
      auth: 'none',
    });
    const ada = await idOf({
      name: 'create user',
      method: 'POST',
      url: '/v1/users',
      body: { email: EMAILS.ada, name: 'Ada Lovelace' },
      headers: { 'idempotency-key': 'v1-fixture-create-ada' },
    });
    await step({
      name: 'create user again with the same idempotency key (replay)',
      method: 'POST',
      url: '/v1/users',
      body: { email: EMAILS.ada, name: 'Ada Lovelace' },
      headers: { 'idempotency-key': 'v1-fixture-create-ada' },
    });
    await step({
      name: 'same idempotency key with another body',
      method: 'POST',
      url: '/v1/users',
      body: { email: EMAILS.grace },
      headers: { 'idempotency-key': 'v1-fixture-create-ada' },
    });
    await step({
      name: 'create user with invalid fields',
      method: 'POST',
      url: '/v1/users',
      body: { email: 'not-an-email', nickname: 'ada' },
    });
    await step({
      name: 'create user with a taken email',
      method: 'POST',
      url: '/v1/users',
      body: { email: EMAILS.ada.toUpperCase() },
    });
    await step({
      name: 'create user with malformed JSON',
      method: 'POST',
      url: '/v1/users',
      raw: '{"email": ',
    });
    const grace = await idOf({
      name: 'create second user',
      method: 'POST',
      url: '/v1/users',
      body: { email: EMAILS.grace },
    });
    const linus = await idOf({
      name: 'create third user',
      method: 'POST',
      url: '/v1/users',
      body: { email: EMAILS.linus, name: 'Linus' },
    });
    const firstPage = await step({
      name: 'list users, page 1',
      method: 'GET',
      url: '/v1/users?limit=2',
    });
    await step({
      name: 'list users, page 2',
      method: 'GET',
      url: `/v1/users?limit=2&starting_after=${String(firstPage.json.next_cursor)}`,
    });
    await step({
      name: 'list users by email',
      method: 'GET',
      url: `/v1/users?email=${EMAILS.grace}`,
    });
    await step({
      name: 'list users with a bad cursor',
      method: 'GET',
      url: '/v1/users?starting_after=bm9wZQ',
    });
    await step({
      name: 'list users with a limit over 100',
      method: 'GET',
      url: '/v1/users?limit=101',
    });
    await step({ name: 'retrieve user', method: 'GET', url: `/v1/users/${ada}` });
    await step({
      name: 'retrieve user, not modified',
      method: 'GET',
      url: `/v1/users/${ada}`,
      headers: { 'if-none-match': '"v1"' },
    });
    await step({
      name: 'retrieve a missing user',
      method: 'GET',
      url: `/v1/users/${MISSING.user}`,
    });
    await step({
      name: 'retrieve user with a malformed id',
      method: 'GET',
      url: '/v1/users/12345',
    });
    await step({
      name: 'update user with If-Match',
      method: 'PATCH',
      url: `/v1/users/${ada}`,
      body: { name: 'Ada King' },
      headers: { 'if-match': '"v1"' },
    });
    await step({
      name: 'update user with a stale If-Match',
      method: 'PATCH',
      url: `/v1/users/${ada}`,
      body: { name: 'Ada Byron' },
      headers: { 'if-match': '"v1"' },
    });
    await step({
      name: 'update user with no field',
      method: 'PATCH',
      url: `/v1/users/${ada}`,
      body: {},
    });
    await step({ name: 'delete user', method: 'DELETE', url: `/v1/users/${linus}` });
    await step({ name: 'delete the deleted user', method: 'DELETE', url: `/v1/users/${linus}` });
    await step({ name: 'unsupported method on users', method: 'DELETE', url: '/v1/users' });

    // Orders
    const items = [
      { name: 'Notebook', sku: 'NB-A5', quantity: 3, unit_amount: 1500 },
      { name: 'Pen', quantity: 2, unit_amount: 250 },
    ];
    const order = await idOf({
      name: 'create order',
      method: 'POST',
      url: '/v1/orders',
      body: { user_id: ada, currency: 'EUR', items },
    });
    const toCancel = await idOf({
      name: 'create order to cancel',
      method: 'POST',
      url: '/v1/orders',
      body: {
        user_id: grace,
        currency: 'USD',
        items: [{ name: 'Mug', quantity: 1, unit_amount: 900 }],
      },
    });
    const declined = await idOf({
      name: 'create order to decline',
      method: 'POST',
      url: '/v1/orders',
      body: {
        user_id: grace,
        currency: 'EUR',
        items: [{ name: 'Lamp', quantity: 1, unit_amount: 3000 }],
      },
    });
    await step({
      name: 'create order with an unknown currency',
      method: 'POST',
      url: '/v1/orders',
      body: { user_id: ada, currency: 'ABC', items },
    });
    await step({
      name: 'create order for a missing user',
      method: 'POST',
      url: '/v1/orders',
      body: { user_id: MISSING.user, currency: 'EUR', items },
    });
    await step({
      name: 'create order with a client total',
      method: 'POST',
      url: '/v1/orders',
      body: { user_id: ada, currency: 'EUR', items, total_amount: 1 },
    });
    await step({ name: 'list orders', method: 'GET', url: '/v1/orders' });
    await step({
      name: 'list orders of a user',
      method: 'GET',
      url: `/v1/orders?user_id=${grace}&limit=1`,
    });
    await step({ name: 'list orders by status', method: 'GET', url: '/v1/orders?status=canceled' });
    await step({ name: 'retrieve order', method: 'GET', url: `/v1/orders/${order}` });
    await step({
      name: 'retrieve a missing order',
      method: 'GET',
      url: `/v1/orders/${MISSING.order}`,
    });
    await step({
      name: 'cancel order with a stale If-Match',
      method: 'POST',
      url: `/v1/orders/${toCancel}/cancel`,
      body: {},
      headers: { 'if-match': '"v7"' },
    });
    await step({
      name: 'cancel order',
      method: 'POST',
      url: `/v1/orders/${toCancel}/cancel`,
      body: {},
      headers: { 'if-match': '"v1"' },
    });
    await step({
      name: 'cancel a canceled order',
      method: 'POST',
      url: `/v1/orders/${toCancel}/cancel`,
      body: {},
    });
    await step({ name: 'delete a user with orders', method: 'DELETE', url: `/v1/users/${grace}` });

    // Payments
    await step({
      name: 'pay without an idempotency key',
      method: 'POST',
      url: '/v1/payments',
      body: { order_id: order, payment_method: 'pm_card_visa' },
    });
    const payment = await idOf({
      name: 'pay part of an order',
      method: 'POST',
      url: '/v1/payments',
      body: { order_id: order, amount: 3000, currency: 'EUR', payment_method: 'pm_card_visa' },
      headers: { 'idempotency-key': 'v1-fixture-pay-1' },
    });
    await step({
      name: 'pay part of an order again (replay)',
      method: 'POST',
      url: '/v1/payments',
      body: { order_id: order, amount: 3000, currency: 'EUR', payment_method: 'pm_card_visa' },
      headers: { 'idempotency-key': 'v1-fixture-pay-1' },
    });
    await step({
      name: 'pay in another currency',
      method: 'POST',
      url: '/v1/payments',
      body: { order_id: order, currency: 'USD', payment_method: 'pm_card_visa' },
      headers: { 'idempotency-key': 'v1-fixture-pay-currency' },
    });
    await step({
      name: 'pay more than the balance',
      method: 'POST',
      url: '/v1/payments',
      body: { order_id: order, amount: 999_999, payment_method: 'pm_card_visa' },
      headers: { 'idempotency-key': 'v1-fixture-pay-too-much' },
    });
    const rest = await idOf({
      name: 'pay the rest of the order',
      method: 'POST',
      url: '/v1/payments',
      body: { order_id: order, payment_method: 'pm_card_visa' },
      headers: { 'idempotency-key': 'v1-fixture-pay-2' },
    });
    const failed = await idOf({
      name: 'pay with a declined card',
      method: 'POST',
      url: '/v1/payments',
      body: { order_id: declined, payment_method: 'pm_card_declined' },
      headers: { 'idempotency-key': 'v1-fixture-pay-declined' },
    });
    await step({
      name: 'pay a canceled order',
      method: 'POST',
      url: '/v1/payments',
      body: { order_id: toCancel, payment_method: 'pm_card_visa' },
      headers: { 'idempotency-key': 'v1-fixture-pay-canceled' },
    });
    await step({
      name: 'pay a missing order',
      method: 'POST',
      url: '/v1/payments',
      body: { order_id: MISSING.order, payment_method: 'pm_card_visa' },
      headers: { 'idempotency-key': 'v1-fixture-pay-missing' },
    });
    await step({ name: 'list payments', method: 'GET', url: '/v1/payments' });
    await step({
      name: 'list payments of an order',
      method: 'GET',
      url: `/v1/payments?order_id=${order}&limit=1`,
    });
    await step({ name: 'list failed payments', method: 'GET', url: '/v1/payments?status=failed' });
    await step({ name: 'retrieve payment', method: 'GET', url: `/v1/payments/${payment}` });
    await step({
      name: 'retrieve a missing payment',
      method: 'GET',
      url: `/v1/payments/${MISSING.payment}`,
    });

    // Refunds
    const refund = await idOf({
      name: 'refund part of a payment',
      method: 'POST',
      url: `/v1/payments/${payment}/refunds`,
      body: { amount: 1000 },
      headers: { 'idempotency-key': 'v1-fixture-refund-1' },
    });
    await step({
      name: 'refund part of a payment again (replay)',
      method: 'POST',
      url: `/v1/payments/${payment}/refunds`,
      body: { amount: 1000 },
      headers: { 'idempotency-key': 'v1-fixture-refund-1' },
    });
    await step({
      name: 'refund more than was captured',
      method: 'POST',
      url: `/v1/payments/${payment}/refunds`,
      body: { amount: 1_000_000 },
      headers: { 'idempotency-key': 'v1-fixture-refund-too-much' },
    });
    await step({
      name: 'refund the rest of a payment',
      method: 'POST',
      url: `/v1/payments/${payment}/refunds`,
      body: {},
      headers: { 'idempotency-key': 'v1-fixture-refund-2' },
    });
    await step({
      name: 'refund a failed payment',
      method: 'POST',
      url: `/v1/payments/${failed}/refunds`,
      body: {},
      headers: { 'idempotency-key': 'v1-fixture-refund-failed' },
    });
    await step({
      name: 'list refunds of a payment',
      method: 'GET',
      url: `/v1/payments/${payment}/refunds?limit=1`,
    });
    await step({
      name: 'list refunds of another payment',
      method: 'GET',
      url: `/v1/payments/${rest}/refunds`,
    });
    await step({ name: 'retrieve refund', method: 'GET', url: `/v1/refunds/${refund}` });
    await step({
      name: 'retrieve a missing refund',
      method: 'GET',
      url: `/v1/refunds/${MISSING.refund}`,
    });
    await step({
      name: 'retrieve the paid and refunded order',
      method: 'GET',
      url: `/v1/orders/${order}`,
    });
    await step({
      name: 'retrieve the declined order',
      method: 'GET',
      url: `/v1/orders/${declined}`,
    });

    // API keys
    const limited = await step({
      name: 'create a read-only API key',
      method: 'POST',
      url: '/v1/api_keys',
      body: { name: 'reporting', scopes: ['users:read'], expires_at: '2099-01-01T00:00:00.000Z' },
    });
    keys.limited = limited.json.secret as string;
    const spare = await step({
      name: 'create an API key',
      method: 'POST',
      url: '/v1/api_keys',
      body: { name: 'spare' },
    });
    keys.revoked = spare.json.secret as string;
    await step({
      name: 'create an API key that expired already',
      method: 'POST',
      url: '/v1/api_keys',
      body: { name: 'old', expires_at: '2001-01-01T00:00:00.000Z' },
    });
    await step({
      name: 'read with the read-only key',
      method: 'GET',
      url: `/v1/users/${ada}`,
      auth: 'limited',
    });
    await step({
      name: 'read orders with the read-only key',
      method: 'GET',
      url: '/v1/orders',
      auth: 'limited',
    });
    await step({
      name: 'create a key beyond the caller’s scopes',
      method: 'POST',
      url: '/v1/api_keys',
      body: { name: 'escalate', scopes: ['users:write'] },
      auth: 'limited',
    });
    await step({ name: 'list API keys', method: 'GET', url: '/v1/api_keys' });
    await step({
      name: 'revoke an API key',
      method: 'POST',
      url: `/v1/api_keys/${String(spare.json.id)}/revoke`,
      body: {},
    });
    await step({ name: 'use the revoked key', method: 'GET', url: '/v1/users', auth: 'revoked' });
    await step({
      name: 'revoke a missing key',
      method: 'POST',
      url: `/v1/api_keys/${MISSING.key}/revoke`,
      body: {},
    });
    await step({ name: 'list API keys, page of one', method: 'GET', url: '/v1/api_keys?limit=1' });
    return r.exchanges;
  } finally {
    await t.close();
    await sandbox.close();
  }
}
