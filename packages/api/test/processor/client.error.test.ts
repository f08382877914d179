import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSandboxProcessor,
  type SandboxProcessor,
} from '../../src/processor/sandbox/server.js';
import {
  ProcessorOutcomeUnknownError,
  ProcessorRejectedError,
  ProcessorUnavailableError,
} from '../../src/processor/types.js';
import { freePort } from '../support/process.js';
import { PATIENT, FAST, chargeOf, testClient, timed } from './fixtures.js';

/** The deadline bounds a call; this much more covers timers and a loaded CI machine. */
const SLACK_MS = 300;
let sandbox: SandboxProcessor;

beforeAll(async () => {
  sandbox = await startSandboxProcessor({ slowMs: 10, hangMs: 5_000 });
});
afterAll(() => sandbox.close());

describe('processor client: how it fails', () => {
  it('pm_card_error: retried up to max attempts, then outcome unknown within the deadline', async () => {
    const { client, events } = testClient(sandbox.url);
    const before = sandbox.chargeCount();
    const { ms, error } = await timed(client.charge(chargeOf('pm_card_error')));
    expect(error).toBeInstanceOf(ProcessorOutcomeUnknownError);
    expect(ms).toBeLessThan(FAST.deadlineMs + SLACK_MS);
    expect(events('processor.retry').map((line) => line.attempt)).toEqual([1, 2, 3]);
    expect(sandbox.chargeCount()).toBe(before);
  });

  it('pm_card_timeout: outcome unknown within the deadline; reconciliation finds it succeeded', async () => {
    const { client, events } = testClient(sandbox.url);
    const request = chargeOf('pm_card_timeout');
    const { ms, error } = await timed(client.charge(request));
    expect(error).toBeInstanceOf(ProcessorOutcomeUnknownError);
    expect(ms).toBeLessThan(FAST.deadlineMs + SLACK_MS);
    expect(events('processor.retry').length).toBeGreaterThanOrEqual(1);
    expect(events('processor.retry')[0]).toMatchObject({ reason: 'timeout' });
    // Every attempt carried the same Idempotency-Key: one charge, however many attempts.
    expect(sandbox.chargesFor(request.idempotencyKey)).toBe(1);
    expect(await client.findCharge(request.idempotencyKey)).toMatchObject({
      status: 'succeeded',
      amount: 5000,
    });
  });

  it('a closed port: every attempt refused, so unavailable (nothing can have been charged)', async () => {
    const port = await freePort();
    const { client, events } = testClient(`http://127.0.0.1:${port}`);
    const { ms, error } = await timed(client.charge(chargeOf('pm_card_visa')));
    expect(error).toBeInstanceOf(ProcessorUnavailableError);
    expect((error as ProcessorUnavailableError).retryAfterSeconds).toBe(1);
    expect(ms).toBeLessThan(FAST.deadlineMs + SLACK_MS);
    expect(events('processor.retry').map((line) => line.reason)).toEqual([
      'connection_refused',
      'connection_refused',
      'connection_refused',
    ]);
    await expect(client.findCharge('pay_x')).rejects.toBeInstanceOf(ProcessorUnavailableError);
  });

  it('a 4xx is rejected at once, never retried, and does not count towards the breaker', async () => {
    const { client, events } = testClient(sandbox.url, { ...PATIENT, breakerThreshold: 1 });
    const charged = await client.charge(chargeOf('pm_card_visa', { amount: 100 }));
    const overRefund = client.refund({
      idempotencyKey: 'rfd_over',
      chargeId: charged.chargeId,
      amount: 101,
      reference: 'rfd_1',
    });
    await expect(overRefund).rejects.toBeInstanceOf(ProcessorRejectedError);
    await expect(overRefund).rejects.toMatchObject({ status: 422 });
    await expect(client.charge(chargeOf('pm_card_unknown'))).rejects.toMatchObject({
      status: 400,
    });
    expect(events('processor.retry')).toHaveLength(0);
    expect(client.breakerState()).toBe('closed');
  });

  it('an idempotency key reused with another body is rejected with 422', async () => {
    const { client } = testClient(sandbox.url);
    const request = chargeOf('pm_card_visa');
    await client.charge(request);
    const error = await client.charge({ ...request, amount: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProcessorRejectedError);
    expect(error).toMatchObject({ status: 422, message: expect.stringContaining('idempotency') });
    expect(sandbox.chargesFor(request.idempotencyKey)).toBe(1);
  });
});
