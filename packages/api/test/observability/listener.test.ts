import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  httpRequest,
  runTs,
  spawnServer,
  tempDatabase,
  type Server,
} from '../support/process.js';

describe('metrics listener (real process)', { timeout: 60_000 }, () => {
  let server: Server | undefined;
  let removeDb: (() => void) | undefined;
  afterEach(async () => {
    await server?.kill();
    server = undefined;
    removeDb?.();
  });

  it('serves /metrics on METRICS_PORT only, after traffic on the API port', async () => {
    const db = tempDatabase();
    removeDb = db.remove;
    const metricsPort = await freePort();
    server = await spawnServer({
      DATABASE_URL: db.url,
      METRICS_PORT: String(metricsPort),
      // The configuration dump is one debug-level event (issue 16: not on the first screen).
      LOG_LEVEL: 'debug',
    });
    expect((await httpRequest(`${server.baseUrl}/livez`)).status).toBe(200);
    expect((await httpRequest(`${server.baseUrl}/v1/users`)).status).toBe(401);

    const onApiPort = await httpRequest(`${server.baseUrl}/metrics`);
    expect(onApiPort.status).toBe(404);
    expect(onApiPort.headers['content-type']).toMatch(/^application\/problem\+json/);

    const metrics = await httpRequest(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    const livez = metrics.body
      .split('\n')
      .find(
        (line) =>
          line.startsWith('http_server_request_duration_seconds_count{') &&
          line.includes('http_route="/livez"'),
      );
    for (const label of [
      'http_request_method="GET"',
      'http_response_status_code="200"',
      'url_scheme="http"',
    ]) {
      expect(livez).toContain(label);
    }
    expect(livez).toMatch(/\} 1$/);
    expect(metrics.body).toMatch(/steadfast_auth_failures_total\{reason="missing_credentials"\} 1/);
    expect(metrics.body).toContain('steadfast_processor_breaker_state 0');

    const startup = server
      .stdout()
      .split('\n')
      .find((line) => line.includes('"event":"startup.config"'));
    expect(startup).toBeDefined();
    expect(startup).toContain('"level":"debug"');
    expect(startup).toContain(`"port":${metricsPort}`);
    // Dates as ISO dates, not `{}` (a Date has no enumerable fields).
    expect(startup).toMatch(/"v1DeprecatedAt":"\d{4}-\d\d-\d\dT[\d:.]+Z"/);
  });

  it('answers /livez and /readyz on METRICS_PORT as on the API port, 503 once draining', async () => {
    // Issue 20 §2: probes on the metrics listener do not wait behind a flood's connections in
    // the API listener's accept queue (bench/overload measures that); the answers are the same.
    const db = tempDatabase();
    removeDb = db.remove;
    const metricsPort = await freePort();
    server = await spawnServer({
      DATABASE_URL: db.url,
      METRICS_PORT: String(metricsPort),
      SHUTDOWN_DELAY_MS: '10000',
    });
    const ops = `http://127.0.0.1:${metricsPort}`;
    for (const path of ['/livez', '/readyz']) {
      const onApi = await httpRequest(`${server.baseUrl}${path}`);
      const onOps = await httpRequest(`${ops}${path}`);
      expect(onOps.status).toBe(200);
      expect(JSON.parse(onOps.body)).toEqual(JSON.parse(onApi.body));
      expect(onOps.headers['content-type']).toBe(onApi.headers['content-type']);
      expect((await httpRequest(`${ops}${path}`, { method: 'HEAD' })).body).toBe('');
    }
    expect((await httpRequest(`${ops}/livez`, { method: 'POST' })).status).toBe(404);
    expect((await httpRequest(`${ops}/v1/users`)).status).toBe(404);

    server.process.kill('SIGTERM');
    await server.waitForLine('"event":"shutdown.started"');
    const draining = await httpRequest(`${ops}/readyz`);
    expect(draining.status).toBe(503);
    expect(draining.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(draining.headers['retry-after']).toBe('5');
    expect((await httpRequest(`${ops}/livez`)).status).toBe(200);
  });

  it('METRICS_ENABLED=false opens no metrics port', async () => {
    const db = tempDatabase();
    removeDb = db.remove;
    const metricsPort = await freePort();
    server = await spawnServer({
      DATABASE_URL: db.url,
      METRICS_PORT: String(metricsPort),
      METRICS_ENABLED: 'false',
    });
    await expect(httpRequest(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });

  it('refuses to serve metrics on the API port (exit 78, names the variable)', async () => {
    const result = await runTs(['src/main.ts'], {
      NODE_ENV: 'production',
      PORT: '4321',
      METRICS_PORT: '4321',
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toContain('METRICS_PORT');
  });
});
