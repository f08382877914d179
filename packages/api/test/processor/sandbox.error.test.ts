import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSandboxProcessor,
  type SandboxProcessor,
} from '../../src/processor/sandbox/server.js';
import { newKey, raw } from './fixtures.js';

let sandbox: SandboxProcessor;

beforeAll(async () => {
  sandbox = await startSandboxProcessor({ slowMs: 10, hangMs: 1_000 });
});
afterAll(() => sandbox.close());

const body = { amount: 5000, currency: 'EUR', payment_method: 'pm_card_visa', reference: 'ord_1' };

describe('sandbox processor: how it refuses', () => {
  it('the same key with a different body answers 422 and charges nothing more', async () => {
    const key = newKey();
    expect((await raw(sandbox.url, 'POST', '/v1/charges', { key, body })).status).toBe(201);
    const reused = await raw(sandbox.url, 'POST', '/v1/charges', {
      key,
      body: { ...body, amount: 5001 },
    });
    expect(reused.status).toBe(422);
    expect(reused.body).toMatchObject({ error: { type: 'idempotency_error' } });
    expect(sandbox.chargesFor(key)).toBe(1);
  });

  it('requires an Idempotency-Key on every POST', async () => {
    const before = sandbox.chargeCount();
    const response = await raw(sandbox.url, 'POST', '/v1/charges', { body });
    expect(response.status).toBe(400);
    expect(sandbox.chargeCount()).toBe(before);
  });

  it.each([
    ['an unknown payment method', { payment_method: 'pm_card_unknown' }],
    ['pm_card_flaky_0', { payment_method: 'pm_card_flaky_0' }],
    ['a fractional amount', { amount: 10.5 }],
    ['a zero amount', { amount: 0 }],
    ['a lower-case currency', { currency: 'eur' }],
    ['a missing reference', { reference: undefined }],
  ])('answers 400 to %s', async (_name, change) => {
    const key = newKey();
    const response = await raw(sandbox.url, 'POST', '/v1/charges', {
      key,
      body: { ...body, ...change },
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { type: 'invalid_request_error' } });
    expect(sandbox.chargesFor(key)).toBe(0);
  });

  it('answers 415 to a body that is not JSON', async () => {
    const response = await raw(sandbox.url, 'POST', '/v1/charges', {
      key: newKey(),
      body,
      contentType: 'text/plain',
    });
    expect(response.status).toBe(415);
  });

  it('answers 404 to an unknown path and 405 to another method', async () => {
    expect((await raw(sandbox.url, 'GET', '/v1/other')).status).toBe(404);
    const response = await fetch(`${sandbox.url}/v1/charges`, { method: 'DELETE' });
    expect(response.status).toBe(405);
  });

  it('refuses refunds of an unknown or declined charge', async () => {
    const refund = (chargeId: string) =>
      raw(sandbox.url, 'POST', '/v1/refunds', {
        key: newKey(),
        body: { charge_id: chargeId, amount: 1, reference: 'rfd_1' },
      });
    expect((await refund('ch_unknown')).status).toBe(404);
    const declined = await raw(sandbox.url, 'POST', '/v1/charges', {
      key: newKey(),
      body: { ...body, payment_method: 'pm_card_declined' },
    });
    const response = await refund(declined.body.id as string);
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ error: { type: 'charge_not_refundable' } });
    expect(sandbox.refundCount()).toBe(0);
  });

  it('close() ends hung requests and frees the port', async () => {
    const own = await startSandboxProcessor({ hangMs: 60_000 });
    const hung = raw(own.url, 'POST', '/v1/charges', {
      key: newKey(),
      body: { ...body, payment_method: 'pm_card_timeout' },
    });
    // The charge is recorded before the request hangs: wait for that, not for a time.
    await expect.poll(() => own.chargeCount()).toBe(1);
    await own.close();
    await expect(hung).rejects.toThrow();
    await expect(raw(own.url, 'GET', '/v1/charges?idempotency_key=x')).rejects.toThrow();
  });
});
