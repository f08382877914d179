import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSandboxProcessor,
  type SandboxProcessor,
} from '../../src/processor/sandbox/server.js';
import { PATIENT, chargeOf, testClient } from './fixtures.js';

let sandbox: SandboxProcessor;

beforeAll(async () => {
  // pm_card_slow answers after 350 ms: later than one attempt (200 ms), within the deadline.
  sandbox = await startSandboxProcessor({ slowMs: 350, hangMs: 2_000 });
});
afterAll(() => sandbox.close());

describe('processor client: what it does', () => {
  it('charges, and finds the charge again by idempotency key', async () => {
    const { client, events } = testClient(sandbox.url, PATIENT);
    const request = chargeOf('pm_card_visa');
    const result = await client.charge(request);
    expect(result).toEqual({
      status: 'succeeded',
      chargeId: expect.stringMatching(/^ch_/),
      amount: 5000,
      currency: 'EUR',
    });
    expect(await client.findCharge(request.idempotencyKey)).toEqual(result);
    expect(sandbox.chargesFor(request.idempotencyKey)).toBe(1);
    expect(events('processor.retry')).toHaveLength(0);
    expect(client.breakerState()).toBe('closed');
  });

  it('returns a decline as a result, without retrying it', async () => {
    const { client, events } = testClient(sandbox.url, PATIENT);
    const request = chargeOf('pm_card_insufficient_funds');
    expect(await client.charge(request)).toEqual({
      status: 'declined',
      chargeId: expect.stringMatching(/^ch_/),
      amount: 5000,
      currency: 'EUR',
      declineCode: 'insufficient_funds',
    });
    expect((await client.charge(chargeOf('pm_card_declined'))).status).toBe('declined');
    expect(sandbox.chargesFor(request.idempotencyKey)).toBe(1);
    expect(events('processor.retry')).toHaveLength(0);
  });

  it('pm_card_flaky_2 succeeds on attempt 3 with exactly one charge, each retry logged', async () => {
    const { client, events, logs } = testClient(sandbox.url);
    const request = chargeOf('pm_card_flaky_2');
    const result = await client.charge(request);
    expect(result.status).toBe('succeeded');
    expect(sandbox.chargesFor(request.idempotencyKey)).toBe(1);
    const retries = events('processor.retry');
    expect(retries).toMatchObject([
      { level: 40, operation: 'charge', attempt: 1, max_attempts: 4, reason: 'server_error' },
      { level: 40, operation: 'charge', attempt: 2, max_attempts: 4, reason: 'server_error' },
    ]);
    for (const retry of retries) expect(retry.delay_ms).toBeLessThan(100 * 2 ** 2);
    // No payment-method token (or any request body) in the logs.
    expect(JSON.stringify(logs)).not.toContain('pm_card');
  });

  it('a retry after a timed-out attempt keeps the idempotency key: the charge is not repeated', async () => {
    const { client, events } = testClient(sandbox.url);
    const request = chargeOf('pm_card_slow');
    const result = await client.charge(request);
    // Attempt 1 timed out after the sandbox had charged; attempt 2 got the stored charge back.
    expect(result.status).toBe('succeeded');
    expect(events('processor.retry')[0]).toMatchObject({ attempt: 1, reason: 'timeout' });
    expect(sandbox.chargesFor(request.idempotencyKey)).toBe(1);
    expect((await client.findCharge(request.idempotencyKey))?.chargeId).toBe(
      result.status === 'succeeded' ? result.chargeId : undefined,
    );
  });

  it('refunds, and finds the refund again; unknown keys find null', async () => {
    const { client } = testClient(sandbox.url);
    const charged = await client.charge(chargeOf('pm_card_visa'));
    const request = {
      idempotencyKey: 'rfd_key_1',
      chargeId: charged.chargeId,
      amount: 1200,
      reference: 'rfd_1',
    };
    const refund = await client.refund(request);
    expect(refund).toEqual({
      status: 'succeeded',
      refundId: expect.stringMatching(/^re_/),
      amount: 1200,
    });
    expect(await client.refund(request)).toEqual(refund);
    expect(sandbox.refundCount()).toBe(1);
    expect(await client.findRefund(request.idempotencyKey)).toEqual(refund);
    expect(await client.findRefund('rfd_unknown')).toBeNull();
    expect(await client.findCharge('pay_unknown')).toBeNull();
  });
});
