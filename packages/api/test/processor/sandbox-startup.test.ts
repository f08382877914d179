import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest, spawnServer, tempDatabase, type Server } from '../support/process.js';
import { newKey } from './fixtures.js';

describe('npm start without PAYMENT_PROCESSOR_URL (real process)', { timeout: 60_000 }, () => {
  let server: Server | undefined;
  let removeDb: (() => void) | undefined;

  afterEach(async () => {
    await server?.kill();
    removeDb?.();
  });

  it('runs the sandbox on loopback, logs its URL, and closes it on shutdown', async () => {
    const db = tempDatabase();
    removeDb = db.remove;
    server = await spawnServer({ DATABASE_URL: db.url, SHUTDOWN_DELAY_MS: '0' });
    const line = await server.waitForLine('"event":"processor.sandbox_started"');
    const { url, level } = JSON.parse(line) as { url: string; level: unknown };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    // NODE_ENV=production here: a sandbox in production is worth a warning.
    expect(level).toBe('warn');

    const charged = await httpRequest(`${url}/v1/charges`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': newKey() },
      body: JSON.stringify({
        amount: 100,
        currency: 'EUR',
        payment_method: 'pm_card_visa',
        reference: 'ord_1',
      }),
    });
    expect(charged.status).toBe(201);

    server.process.kill('SIGTERM');
    expect((await server.waitForExit()).code).toBe(0);
    await expect(httpRequest(`${url}/v1/charges?idempotency_key=x`)).rejects.toThrow();
  });
});
