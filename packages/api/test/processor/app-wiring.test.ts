import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startSandboxProcessor,
  type SandboxProcessor,
} from '../../src/processor/sandbox/server.js';
import { startApp } from '../support/app.js';
import { chargeOf, testClient } from './fixtures.js';

let sandbox: SandboxProcessor;

beforeAll(async () => {
  sandbox = await startSandboxProcessor();
});
afterAll(() => sandbox.close());

describe('app.processor', () => {
  it('is a client of PAYMENT_PROCESSOR_URL when it is set', async () => {
    const t = await startApp('sqlite', { PAYMENT_PROCESSOR_URL: sandbox.url });
    try {
      const request = chargeOf('pm_card_visa');
      expect((await t.app.processor!.charge(request)).status).toBe('succeeded');
      expect(sandbox.chargesFor(request.idempotencyKey)).toBe(1);
      expect(t.app.processor!.breakerState()).toBe('closed');
    } finally {
      await t.close();
    }
  });

  it('is the override when one is given', async () => {
    const { client: processor } = testClient(sandbox.url);
    const t = await startApp('sqlite', { PAYMENT_PROCESSOR_URL: sandbox.url }, undefined, {
      processor,
    });
    try {
      expect(t.app.processor).toBe(processor);
    } finally {
      await t.close();
    }
  });

  it('is undefined without a URL or an override (main.ts starts the sandbox instead)', async () => {
    const t = await startApp('sqlite');
    try {
      expect(t.app.processor).toBeUndefined();
    } finally {
      await t.close();
    }
  });
});
