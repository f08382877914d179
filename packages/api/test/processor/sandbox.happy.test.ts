import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSandboxProcessor,
  type SandboxProcessor,
} from '../../src/processor/sandbox/server.js';
import { newKey, raw, timed } from './fixtures.js';

const SLOW_MS = 150;
let sandbox: SandboxProcessor;

beforeAll(async () => {
  sandbox = await startSandboxProcessor({ slowMs: SLOW_MS, hangMs: 2_000 });
});
afterAll(() => sandbox.close());

const charge = (paymentMethod: string, key = newKey(), amount = 5000) =>
  raw(sandbox.url, 'POST', '/v1/charges', {
    key,
    body: { amount, currency: 'EUR', payment_method: paymentMethod, reference: 'ord_1' },
  });

describe('sandbox processor: test tokens', () => {
  it('listens on loopback with an ephemeral port', () => {
    expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('pm_card_visa succeeds', async () => {
    const key = newKey();
    const response = await charge('pm_card_visa', key);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      id: expect.stringMatching(/^ch_[0-9a-f]{24}$/),
      status: 'succeeded',
      amount: 5000,
      currency: 'EUR',
    });
    expect(response.body).not.toHaveProperty('decline_code');
    expect(sandbox.chargesFor(key)).toBe(1);
  });

  it.each([
    ['pm_card_insufficient_funds', 'insufficient_funds'],
    ['pm_card_declined', 'card_declined'],
  ])('%s declines with 201 and decline_code %s', async (token, code) => {
    const key = newKey();
    const response = await charge(token, key);
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 'declined', decline_code: code });
    expect(sandbox.chargesFor(key)).toBe(1);
  });

  it('pm_card_slow succeeds after slowMs', async () => {
    const { ms, value } = await timed(charge('pm_card_slow'));
    expect(value?.status).toBe(201);
    expect(value?.body.status).toBe('succeeded');
    expect(ms).toBeGreaterThanOrEqual(SLOW_MS - 5);
  });

  it('pm_card_error answers 500 every time and records nothing', async () => {
    const key = newKey();
    const before = sandbox.chargeCount();
    expect((await charge('pm_card_error', key)).status).toBe(500);
    expect((await charge('pm_card_error', key)).status).toBe(500);
    expect(sandbox.chargeCount()).toBe(before);
    expect((await raw(sandbox.url, 'GET', `/v1/charges?idempotency_key=${key}`)).status).toBe(404);
  });

  it('pm_card_flaky_2 answers 503 twice under one key without charging, then succeeds once', async () => {
    const key = newKey();
    expect((await charge('pm_card_flaky_2', key)).status).toBe(503);
    expect((await charge('pm_card_flaky_2', key)).status).toBe(503);
    expect(sandbox.chargesFor(key)).toBe(0);
    const third = await charge('pm_card_flaky_2', key);
    expect(third.status).toBe(201);
    expect(third.body.status).toBe('succeeded');
    // A further retry is a replay of the stored charge, not a new one.
    expect((await charge('pm_card_flaky_2', key)).body.id).toBe(third.body.id);
    expect(sandbox.chargesFor(key)).toBe(1);
    // Another key starts its own count of failures.
    expect((await charge('pm_card_flaky_2')).status).toBe(503);
  });

  it('pm_card_timeout records the charge but never answers; reconciliation finds it', async () => {
    const key = newKey();
    const body = {
      amount: 5000,
      currency: 'EUR',
      payment_method: 'pm_card_timeout',
      reference: 'r',
    };
    const send = () =>
      raw(sandbox.url, 'POST', '/v1/charges', { key, body, signal: AbortSignal.timeout(100) });
    await expect(send()).rejects.toThrow(/abort|timeout/i);
    // A retry under the same key hangs too, and charges nothing more.
    await expect(send()).rejects.toThrow(/abort|timeout/i);
    const found = await raw(sandbox.url, 'GET', `/v1/charges?idempotency_key=${key}`);
    expect(found.status).toBe(200);
    expect(found.body).toMatchObject({ status: 'succeeded', amount: 5000 });
    expect(sandbox.chargesFor(key)).toBe(1);
  });
});

describe('sandbox processor: idempotency and refunds', () => {
  it('the same key and body replay the stored charge: one charge', async () => {
    const key = newKey();
    const before = sandbox.chargeCount();
    const first = await charge('pm_card_visa', key);
    const second = await charge('pm_card_visa', key);
    expect(second).toEqual(first);
    expect(sandbox.chargeCount()).toBe(before + 1);
    expect(sandbox.chargesFor(key)).toBe(1);
  });

  it('GET /v1/charges?idempotency_key= finds a charge, or 404', async () => {
    const key = newKey();
    const created = await charge('pm_card_declined', key);
    const found = await raw(sandbox.url, 'GET', `/v1/charges?idempotency_key=${key}`);
    expect(found).toEqual({ status: 200, body: created.body });
    const missing = await raw(sandbox.url, 'GET', `/v1/charges?idempotency_key=${newKey()}`);
    expect(missing.status).toBe(404);
  });

  it('refunds up to the remaining amount, idempotently, and finds them by key', async () => {
    const created = await charge('pm_card_visa', newKey(), 1000);
    const chargeId = created.body.id as string;
    const refund = (key: string, amount: number) =>
      raw(sandbox.url, 'POST', '/v1/refunds', {
        key,
        body: { charge_id: chargeId, amount, reference: 'rfd_1' },
      });
    const key = newKey();
    const first = await refund(key, 600);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      id: expect.stringMatching(/^re_/),
      status: 'succeeded',
      amount: 600,
    });
    expect(await refund(key, 600)).toEqual(first);
    expect((await refund(newKey(), 401)).status).toBe(422);
    expect((await refund(newKey(), 400)).status).toBe(201);
    expect((await refund(newKey(), 1)).body).toMatchObject({
      error: { type: 'amount_too_large' },
    });
    const found = await raw(sandbox.url, 'GET', `/v1/refunds?idempotency_key=${key}`);
    expect(found).toEqual({ status: 200, body: first.body });
    expect((await raw(sandbox.url, 'GET', `/v1/refunds?idempotency_key=${newKey()}`)).status).toBe(
      404,
    );
  });
});
