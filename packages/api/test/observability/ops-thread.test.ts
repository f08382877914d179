import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probesOnOpsListener } from '../../src/platform/health/ops-listener.js';
import {
  startMetricsServer,
  type MetricsServer,
} from '../../src/platform/observability/metrics-server.js';
import { startApp, type TestApp } from '../support/app.js';

/*
 * Issue 20 §2: the metrics listener has a thread of its own, so its probes are answered while the
 * main event loop is busy, and `/livez` there tells a busy process (200) from a wedged one (503).
 * The main thread of this test blocks its own loop; curl, another process started before the
 * block, asks the listener and times the answer.
 */

interface Probe {
  status: number;
  seconds: number;
  contentType: string;
  body: string;
}

/** Starts curl now (a separate process); its answer is read once this loop turns again. */
function curlLater(url: string, delaySeconds = 0): Promise<Probe> {
  const command = `sleep ${delaySeconds}; curl -s -D - -w '\\n%{http_code} %{time_total}' '${url}'`;
  const child = spawn('sh', ['-c', command]);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', () => {
      const [status, seconds] = out.slice(out.lastIndexOf('\n') + 1).split(' ');
      const [head = '', body = ''] = out.slice(0, out.lastIndexOf('\n')).split('\r\n\r\n');
      const contentType = /content-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
      resolve({ status: Number(status), seconds: Number(seconds), contentType, body });
    }),
  );
}

/** Keeps this thread's event loop busy: no timer, no I/O callback runs meanwhile. */
function block(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy on purpose
  }
}

describe('the metrics listener answers probes from its own thread', () => {
  let t: TestApp;
  let server: MetricsServer;

  beforeAll(async () => {
    t = await startApp('sqlite');
    server = await startMetricsServer(
      t.app.metrics.registry,
      { host: '127.0.0.1', port: 0, livenessStallMs: 1_000 },
      probesOnOpsListener(t.app),
    );
  });
  afterAll(async () => {
    await server.close();
    await t.close();
  });
  const url = (path: string) => server.url.replace('/metrics', path);

  it("answers the routes' own readiness while the loop turns", async () => {
    const answer = await curlLater(url('/readyz'));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok', checks: { database: 'ok' } });
  });

  it('answers readiness and liveness within a second while the main loop is busy', async () => {
    // The routes answered once (above); the same answers come while the loop is blocked 2.5 s.
    await curlLater(url('/livez'));
    const probes = [curlLater(url('/readyz')), curlLater(url('/livez'))];
    block(2_500);
    for (const probe of await Promise.all(probes)) {
      expect(probe.status).toBe(200);
      // Answered long before the main thread could: 0.3 s of waiting for it, then on its behalf.
      expect(probe.seconds).toBeLessThan(1.5);
    }
  });

  it('fails liveness once the loop has not turned for LIVENESS_STALL_MS, then recovers', async () => {
    // Asked 1.5 s into a 3 s block: the loop has not turned for longer than the 1 s limit.
    const late = curlLater(url('/livez'), 1.5);
    block(3_000);
    const stalled = await late;
    expect(stalled.status).toBe(503);
    expect(stalled.contentType).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(stalled.body)).toMatchObject({
      status: 503,
      code: 'service_unavailable',
      detail: expect.stringMatching(/^The event loop has not turned for \d+ ms\.$/),
    });
    // Turning again: the routes' own answer.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await curlLater(url('/livez'))).status).toBe(200);
  });

  it('still serves the scrape from the main thread, and 404 elsewhere', async () => {
    const scrape = await fetch(server.url);
    expect(scrape.status).toBe(200);
    expect(await scrape.text()).toMatch(/^# HELP /m);
    expect((await fetch(url('/other'))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(404);
  });
});
