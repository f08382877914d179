import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { rawClient } from '../support/raw-socket.js';

/*
 * Issue 20 §8–§10 on a listening server, over raw sockets: what matters is what goes over the
 * wire (a 100 Continue, a Connection: close, the server's FIN), which inject cannot show.
 */
describe('HTTP framing on a listening server', () => {
  let t: TestApp;
  let tenant: Tenant;
  let port: number;

  beforeAll(async () => {
    t = await startApp('sqlite', { HANDLER_TIMEOUT_MS: '700' });
    tenant = await createTestTenant(t);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await t.close();
  });

  const head = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;
  const post = (extra: string[]) =>
    head([
      'POST /v1/users HTTP/1.1',
      'Host: api.test',
      'Content-Type: application/json',
      `Idempotency-Key: framing-${Math.random()}`,
      ...extra,
    ]);

  it('answers 400 to a request with two Host fields (RFC 9112 §3.2, §10)', async () => {
    const twice = await rawClient(port);
    twice.socket.write(head(['GET /livez HTTP/1.1', 'Host: a.test', 'Host: b.test']));
    expect(await twice.waitFor(/\r\n\r\n\{.*\}$/s)).toMatch(/^HTTP\/1\.1 400 /);
    expect(twice.received()).toContain('"code":"bad_request"');
    const once = await rawClient(port);
    once.socket.write(head(['GET /livez HTTP/1.1', 'Host: a.test']));
    expect(await once.waitFor('"status":"ok"')).toMatch(/^HTTP\/1\.1 200 /);
    once.socket.destroy();
  });

  it('refuses an oversized Expect: 100-continue upload without inviting the body (§9)', async () => {
    const client = await rawClient(port);
    client.socket.write(
      post([
        `Authorization: ${tenant.headers.authorization}`,
        'Expect: 100-continue',
        'Content-Length: 52428800',
      ]),
    );
    const answer = await client.waitFor(/\r\n\r\n\{.*\}$/s);
    expect(answer).not.toContain('100 Continue');
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toMatch(/\r\nconnection: close\r\n/i);
    expect(await client.closed(2_000)).toBeLessThan(2_000);
  });

  it('refuses an Expect: 100-continue upload without credentials before inviting it (§9)', async () => {
    const client = await rawClient(port);
    client.socket.write(post(['Expect: 100-continue', 'Content-Length: 40']));
    const answer = await client.waitFor(/\r\n\r\n\{.*\}$/s);
    expect(answer).not.toContain('100 Continue');
    expect(answer).toMatch(/^HTTP\/1\.1 401 /);
    expect(await client.closed(2_000)).toBeLessThan(2_000);
  });

  it('sends 100 Continue to an authenticated upload that fits, then serves it (§9)', async () => {
    const body = JSON.stringify({ email: `continue.${Date.now()}@example.com` });
    const client = await rawClient(port);
    client.socket.write(
      post([
        `Authorization: ${tenant.headers.authorization}`,
        'Expect: 100-continue',
        `Content-Length: ${body.length}`,
      ]),
    );
    await client.waitFor('HTTP/1.1 100 Continue\r\n\r\n');
    client.socket.write(body);
    expect(await client.waitFor(/HTTP\/1\.1 201 /)).toMatch(/^HTTP\/1\.1 100 Continue/);
    client.socket.destroy();
  });

  it.each([
    ['401 without a key', [] as string[], 401],
    ['415 for a body that is not JSON', ['Content-Type: text/plain'], 415],
  ])(
    'after an early %s it closes the connection instead of draining a trickled body (§8)',
    async (_label, extra, status) => {
      const client = await rawClient(port);
      const auth = status === 401 ? [] : [`Authorization: ${tenant.headers.authorization}`];
      const lines = [
        'POST /v1/users HTTP/1.1',
        'Host: api.test',
        ...(extra.length > 0 ? extra : ['Content-Type: application/json']),
        ...auth,
        `Idempotency-Key: trickle-${Math.random()}`,
        'Content-Length: 1000',
      ];
      client.socket.write(head(lines) + '{');
      const answer = await client.waitFor(/\r\n\r\n\{.*\}$/s);
      expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      expect(await client.closed(2_000)).toBeLessThan(2_000);
    },
  );

  it('closes the connection after a handler timeout under a trickled body (§8)', async () => {
    const client = await rawClient(port);
    client.socket.write(
      post([`Authorization: ${tenant.headers.authorization}`, 'Content-Length: 1000']) + '{',
    );
    const trickle = setInterval(() => {
      if (!client.isClosed()) client.socket.write(' ');
    }, 100);
    try {
      const answer = await client.waitFor(/\r\n\r\n\{.*\}$/s, 5_000);
      expect(answer).toMatch(/^HTTP\/1\.1 503 /);
      expect(answer).toContain('"code":"handler_timeout"');
      expect(answer).toMatch(/\r\nconnection: close\r\n/i);
      const answeredAt = Date.now();
      await client.closed(2_000);
      expect(Date.now() - answeredAt).toBeLessThan(1_000);
    } finally {
      clearInterval(trickle);
    }
  });
});
