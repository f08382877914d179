import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { createProcessorClient, type ProcessorClientOptions } from '../../src/processor/client.js';
import type { ChargeRequest } from '../../src/processor/types.js';

/** A fresh processor-side idempotency key, shaped like the payments module's (`pay_…`). */
export const newKey = () => `pay_${randomUUID().replaceAll('-', '')}`;

export const chargeOf = (paymentMethod: string, overrides: Partial<ChargeRequest> = {}) => ({
  idempotencyKey: newKey(),
  amount: 5000,
  currency: 'EUR',
  paymentMethod,
  reference: 'ord_test',
  ...overrides,
});

/** Small values so the whole suite runs in seconds (the brief's attempt 200 ms, deadline 1500 ms). */
export const FAST = {
  attemptTimeoutMs: 200,
  deadlineMs: 1500,
  maxAttempts: 4,
  breakerThreshold: 50,
  breakerHalfOpenAfterMs: 300,
};

/**
 * For tests that assert no retry happens: an answer that is fast on an idle machine can take
 * longer than FAST's 200 ms attempt when two cores run the whole suite, and a timed-out attempt
 * is (rightly) retried. Timeouts are tested with the sandbox's slow methods, not with load.
 */
export const PATIENT = { attemptTimeoutMs: 5_000, deadlineMs: 15_000 };

/** A client with test timings whose log lines are kept in `logs`. */
export function testClient(
  baseUrl: string,
  options: Partial<Omit<ProcessorClientOptions, 'logger'>> = {},
) {
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString().split('\n')) {
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  const client = createProcessorClient({ baseUrl, ...FAST, ...options, logger: pino(stream) });
  const events = (name: string) => logs.filter((line) => line.event === name);
  return { client, logs, events };
}

/** Elapsed milliseconds of `promise`, with its outcome (value or error). */
export async function timed<T>(
  promise: Promise<T>,
): Promise<{ ms: number; value?: T; error?: unknown }> {
  const start = performance.now();
  try {
    const value = await promise;
    return { ms: performance.now() - start, value };
  } catch (error) {
    return { ms: performance.now() - start, error };
  }
}

/** One raw request to the sandbox (no client, no retries). */
export async function raw(
  baseUrl: string,
  method: 'GET' | 'POST',
  path: string,
  options: { key?: string; body?: unknown; contentType?: string; signal?: AbortSignal } = {},
): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (options.key !== undefined) headers['idempotency-key'] = options.key;
  if (options.body !== undefined)
    headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: options.signal,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}
