import { once } from 'node:events';
import { Agent, request, type ClientRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createKey,
  httpRequest,
  spawnServer,
  tempDatabase,
  type HttpResult,
  type Server,
} from '../support/process.js';

/** Rejects after `ms` so a step that never happens fails the test instead of hanging it. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function write(req: ClientRequest, chunk: string): Promise<void> {
  await new Promise<void>((resolve, reject) =>
    req.write(chunk, (error) => (error ? reject(error) : resolve())),
  );
}

interface Pending {
  req: ClientRequest;
  /** The response, or the error the connection ended with. */
  outcome: Promise<HttpResult | Error>;
}

/**
 * Starts `POST /v1/users` on its own connection and sends `partialBody` only. It resolves once
 * the server has read the headers and handed the request to Fastify: `Expect: 100-continue` makes
 * Node's server answer `100 Continue` right before it emits 'request', so the request is provably
 * in flight (no sleep, no guess) before the test sends SIGTERM.
 */
async function startPost(
  server: Server,
  key: string,
  fullBody: string,
  partialBody: string,
  keepAlive = false,
): Promise<Pending> {
  const agent = new Agent({ keepAlive });
  const req = request(`${server.baseUrl}/v1/users`, {
    method: 'POST',
    agent,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(fullBody)),
      authorization: `Bearer ${key}`,
      expect: '100-continue',
    },
  });
  const outcome = new Promise<HttpResult | Error>((resolve) => {
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', resolve);
    });
    req.on('error', resolve);
  });
  void outcome.finally(() => agent.destroy());
  const continued = once(req, 'continue');
  req.flushHeaders();
  await within(continued, 5_000, '100 Continue');
  await write(req, partialBody);
  return { req, outcome };
}

describe('graceful shutdown (real process)', { timeout: 60_000 }, () => {
  let server: Server | undefined;
  let removeDb: (() => void) | undefined;

  afterEach(async () => {
    await server?.kill();
    server = undefined;
    removeDb?.();
    removeDb = undefined;
  });

  it('requests in flight when SIGTERM arrives complete successfully', async () => {
    const db = tempDatabase();
    removeDb = db.remove;
    const key = await createKey(db.url, 'shutdown-test');
    server = await spawnServer({ DATABASE_URL: db.url, SHUTDOWN_DELAY_MS: '300' });

    const body = JSON.stringify({ email: 'in.flight@example.com', name: 'In Flight' });
    const half = Math.floor(body.length / 2);
    const pending = await startPost(server, key, body, body.slice(0, half));

    server.process.kill('SIGTERM');
    await server.waitForLine('"event":"shutdown.started"', 5_000);

    // A new connection during the 300 ms window sees readiness 503. Should this machine be slow
    // enough that the window is over, the listener is closed and the connection is refused:
    // both mean "no new traffic", which is what the load balancer needs.
    const ready = await httpRequest(`${server.baseUrl}/readyz`, {}, 3_000).catch(
      (error: NodeJS.ErrnoException) => error,
    );
    if (ready instanceof Error) expect(ready.code).toBe('ECONNREFUSED');
    else expect(ready.status).toBe(503);

    await write(pending.req, body.slice(half));
    pending.req.end();
    const response = await within(pending.outcome, 5_000, 'the in-flight response');
    if (response instanceof Error) throw response;
    expect(response.status, response.body).toBe(201);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(JSON.parse(response.body)).toMatchObject({
      id: expect.stringMatching(/^usr_/) as unknown,
      object: 'user',
      email: 'in.flight@example.com',
      name: 'In Flight',
    });

    const exit = await server.waitForExit(10_000);
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('"event":"shutdown.started"');
    expect(server.stdout()).toContain('"event":"shutdown.completed"');
    expect(server.stdout()).not.toContain('"event":"shutdown.timeout"');
  });

  // Regression: a keep-alive socket whose request finished after the listener closed stayed open
  // until KEEP_ALIVE_TIMEOUT_MS, so shutdown hit its deadline and exited 1.
  it('a keep-alive request still in flight when the listener closes ends the shutdown cleanly', async () => {
    const db = tempDatabase();
    removeDb = db.remove;
    const key = await createKey(db.url, 'shutdown-keepalive');
    server = await spawnServer({
      DATABASE_URL: db.url,
      SHUTDOWN_DELAY_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '8000',
    });
    const running = server;

    const body = JSON.stringify({ email: 'keep.alive@example.com' });
    const pending = await startPost(running, key, body, body.slice(0, 10), true);
    running.process.kill('SIGTERM');

    // The listener closing is only observable from outside: poll until new connections are refused.
    const deadline = Date.now() + 5_000;
    for (;;) {
      const probe = await httpRequest(`${running.baseUrl}/livez`, {}, 1_000).catch(
        (error: NodeJS.ErrnoException) => error,
      );
      if (probe instanceof Error && probe.code === 'ECONNREFUSED') break;
      if (Date.now() > deadline) throw new Error('the listener did not close');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }

    await write(pending.req, body.slice(10));
    pending.req.end();
    const response = await within(pending.outcome, 5_000, 'the in-flight response');
    if (response instanceof Error) throw response;
    expect(response.status, response.body).toBe(201);
    expect(response.headers.connection).toBe('close');

    const startedWaiting = Date.now();
    const exit = await running.waitForExit(10_000);
    expect(exit, running.stderr()).toEqual({ code: 0, signal: null });
    expect(Date.now() - startedWaiting).toBeLessThan(4_000);
    expect(running.stdout()).not.toContain('"event":"shutdown.timeout"');
  });

  it('readiness turns 503 before the listener closes', async () => {
    const db = tempDatabase();
    removeDb = db.remove;
    server = await spawnServer({ DATABASE_URL: db.url, SHUTDOWN_DELAY_MS: '1500' });

    const before = await httpRequest(`${server.baseUrl}/readyz`);
    expect(before.status).toBe(200);

    server.process.kill('SIGTERM');
    await server.waitForLine('"event":"shutdown.started"', 5_000);

    // Both requests open new connections, which the still-listening server accepts.
    const ready = await httpRequest(`${server.baseUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(ready.body)).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      checks: { shutdown: 'draining' },
    });
    expect(ready.headers['retry-after']).toBe('5');

    const live = await httpRequest(`${server.baseUrl}/livez`);
    expect(live.status).toBe(200);
    expect(JSON.parse(live.body)).toEqual({ status: 'ok' });

    // After the delay the listener closes and the process leaves cleanly.
    const exit = await server.waitForExit(10_000);
    expect(exit, server.stderr()).toEqual({ code: 0, signal: null });
    expect(server.stdout()).toContain('"event":"shutdown.completed"');
    await expect(httpRequest(`${server.baseUrl}/livez`)).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });

  it('shutdown is bounded', async () => {
    const delayMs = 200;
    const timeoutMs = 500;
    const db = tempDatabase();
    removeDb = db.remove;
    const key = await createKey(db.url, 'shutdown-bounded');
    server = await spawnServer({
      DATABASE_URL: db.url,
      SHUTDOWN_DELAY_MS: String(delayMs),
      SHUTDOWN_TIMEOUT_MS: String(timeoutMs),
    });

    // Announces a whole body but sends only a part of it, and never the rest.
    const body = JSON.stringify({ email: 'never.finished@example.com' });
    const stuck = await startPost(server, key, body, body.slice(0, 5));

    const signalledAt = Date.now();
    server.process.kill('SIGTERM');
    const exit = await server.waitForExit(delayMs + timeoutMs + 5_000);
    const elapsed = Date.now() - signalledAt;

    // main.ts arms a deadline of SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS; the stuck request keeps
    // server.close() (and so app.close()) pending, the deadline fires, closes every connection,
    // logs shutdown.timeout and exits 1. REQUEST_TIMEOUT_MS (30 s) is far away, so Node does not
    // end the request on its own first.
    expect(exit, server.stderr()).toEqual({ code: 1, signal: null });
    expect(elapsed).toBeGreaterThanOrEqual(delayMs + timeoutMs - 50);
    expect(elapsed).toBeLessThan(delayMs + timeoutMs + 2_500);
    expect(server.stdout()).toContain('"event":"shutdown.started"');
    expect(server.stdout()).toContain('"event":"shutdown.timeout"');
    expect(server.stdout()).not.toContain('"event":"shutdown.completed"');

    // The client sees its connection cut, not an answer.
    const outcome = await within(stuck.outcome, 5_000, 'the stuck request to end');
    expect(outcome).toBeInstanceOf(Error);
  });
});
