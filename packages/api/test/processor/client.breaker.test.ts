import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSandboxProcessor,
  type SandboxProcessor,
} from '../../src/processor/sandbox/server.js';
import {
  ProcessorOutcomeUnknownError,
  ProcessorUnavailableError,
} from '../../src/processor/types.js';
import { freePort } from '../support/process.js';
import { chargeOf, testClient, timed } from './fixtures.js';

const HALF_OPEN_MS = 300;
/** One attempt per call, so each failed call is one failure towards the threshold. */
const BREAKER = { breakerThreshold: 3, maxAttempts: 1, breakerHalfOpenAfterMs: HALF_OPEN_MS };
let sandbox: SandboxProcessor;

beforeAll(async () => {
  sandbox = await startSandboxProcessor({ slowMs: 10, hangMs: 2_000 });
});
afterAll(() => sandbox.close());

async function openBreaker(client: ReturnType<typeof testClient>['client']) {
  for (let i = 0; i < BREAKER.breakerThreshold; i += 1) {
    await expect(client.charge(chargeOf('pm_card_error'))).rejects.toBeInstanceOf(
      ProcessorOutcomeUnknownError,
    );
  }
  expect(client.breakerState()).toBe('open');
}

describe('processor client: circuit breaker', () => {
  it('opens after the threshold, then fails fast without calling the processor', async () => {
    const { client, events } = testClient(sandbox.url, BREAKER);
    await client.charge(chargeOf('pm_card_visa'));
    await openBreaker(client);
    expect(events('processor.breaker_opened')).toMatchObject([
      { level: 40, reason: 'server_error', retry_after_seconds: 1 },
    ]);
    const before = sandbox.chargeCount();
    const request = chargeOf('pm_card_visa');
    const { ms, error } = await timed(client.charge(request));
    expect(error).toBeInstanceOf(ProcessorUnavailableError);
    expect((error as ProcessorUnavailableError).retryAfterSeconds).toBe(1);
    expect(ms).toBeLessThan(50);
    await expect(client.findCharge(request.idempotencyKey)).rejects.toBeInstanceOf(
      ProcessorUnavailableError,
    );
    expect(sandbox.chargeCount()).toBe(before);
  });

  it('half-opens after the delay: a successful trial call closes it', async () => {
    const { client, events } = testClient(sandbox.url, BREAKER);
    await openBreaker(client);
    await sleep(HALF_OPEN_MS + 20);
    const request = chargeOf('pm_card_visa');
    expect((await client.charge(request)).status).toBe('succeeded');
    expect(client.breakerState()).toBe('closed');
    expect(events('processor.breaker_half_open')).toHaveLength(1);
    expect(events('processor.breaker_closed')).toHaveLength(1);
    expect(sandbox.chargesFor(request.idempotencyKey)).toBe(1);
  });

  it('half-opens after the delay: a failed trial call opens it again', async () => {
    const { client, events } = testClient(sandbox.url, BREAKER);
    await openBreaker(client);
    await sleep(HALF_OPEN_MS + 20);
    await expect(client.charge(chargeOf('pm_card_error'))).rejects.toBeInstanceOf(
      ProcessorOutcomeUnknownError,
    );
    expect(client.breakerState()).toBe('open');
    expect(events('processor.breaker_opened')).toHaveLength(2);
    const { ms, error } = await timed(client.charge(chargeOf('pm_card_visa')));
    expect(error).toBeInstanceOf(ProcessorUnavailableError);
    expect(ms).toBeLessThan(50);
  });

  it('retries stop once the circuit opens mid-call; an attempt that reached it leaves the outcome unknown', async () => {
    const { client, events } = testClient(sandbox.url, {
      breakerThreshold: 2,
      maxAttempts: 4,
      breakerHalfOpenAfterMs: 10_000,
    });
    const request = chargeOf('pm_card_error');
    await expect(client.charge(request)).rejects.toBeInstanceOf(ProcessorOutcomeUnknownError);
    // Attempt 2 opened the circuit; attempt 3 found it open and was never sent.
    expect(events('processor.retry')).toHaveLength(2);
    expect(client.breakerState()).toBe('open');
    const error = await client.charge(chargeOf('pm_card_visa')).catch((e: unknown) => e);
    expect(error).toMatchObject({ retryAfterSeconds: 10 });
  });

  it('a processor that refuses connections opens the circuit too', async () => {
    const port = await freePort();
    const { client } = testClient(`http://127.0.0.1:${port}`, BREAKER);
    for (let i = 0; i < BREAKER.breakerThreshold; i += 1) {
      await expect(client.charge(chargeOf('pm_card_visa'))).rejects.toBeInstanceOf(
        ProcessorUnavailableError,
      );
    }
    expect(client.breakerState()).toBe('open');
    const { ms, error } = await timed(client.charge(chargeOf('pm_card_visa')));
    expect(error).toBeInstanceOf(ProcessorUnavailableError);
    expect(ms).toBeLessThan(50);
  });
});
