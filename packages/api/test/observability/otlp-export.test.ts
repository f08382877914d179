import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest, spawnServer, tempDatabase, type Server } from '../support/process.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

/** A real OTLP/HTTP receiver on loopback that keeps every export request it is sent. */
async function startCollector() {
  const exports: { path: string; contentType: string; body: Buffer }[] = [];
  const server: HttpServer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      exports.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        body: Buffer.concat(chunks),
      });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('OTLP export configured by OTEL_* (real process)', { timeout: 60_000 }, () => {
  let server: Server | undefined;
  let collector: Awaited<ReturnType<typeof startCollector>> | undefined;
  let removeDb: (() => void) | undefined;
  afterEach(async () => {
    await server?.kill();
    await collector?.close();
    removeDb?.();
  });

  /** Waits until the collector holds an export containing `needle`. */
  async function exportContaining(needle: Buffer | string) {
    const deadline = Date.now() + 10_000;
    const has = () => collector!.exports.find((e) => e.body.includes(needle));
    while (Date.now() < deadline && !has()) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const found = has();
    expect(found, JSON.stringify(collector!.exports.map((e) => e.path))).toBeDefined();
    return found!;
  }

  async function start(env: Record<string, string>) {
    collector = await startCollector();
    const db = tempDatabase();
    removeDb = db.remove;
    server = await spawnServer({
      DATABASE_URL: db.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'steadfast-under-test',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=ci,team=pay%20ments',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...env,
    });
    const response = await httpRequest(`${server.baseUrl}/readyz`, {
      headers: { traceparent: `00-${TRACE}-b7ad6b7169203331-01` },
    });
    expect(response.status).toBe(200);
  }

  it('exports http/protobuf by default: a new trace linked to the untrusted caller', async () => {
    await start({});
    // Protobuf carries ids as raw bytes and strings as UTF-8: the link holds the caller's id.
    const exported = await exportContaining(Buffer.from(TRACE, 'hex'));
    expect(exported.path).toBe('/v1/traces');
    expect(exported.contentType).toBe('application/x-protobuf');
    for (const text of [
      'GET /readyz',
      'steadfast-under-test',
      'deployment.environment.name',
      'pay ments',
    ]) {
      expect(exported.body.includes(text), text).toBe(true);
    }
  });

  it('exports http/json when OTEL_EXPORTER_OTLP_TRACES_PROTOCOL says so, continuing a trusted trace', async () => {
    await start({ OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json', TRACE_TRUST_INBOUND: 'true' });
    const exported = await exportContaining(TRACE);
    expect(exported.path).toBe('/v1/traces');
    expect(exported.contentType).toMatch(/^application\/json/);
    const body = JSON.parse(exported.body.toString()) as {
      resourceSpans: {
        resource: { attributes: { key: string; value: { stringValue?: string } }[] };
        scopeSpans: { spans: { name: string; traceId: string; parentSpanId?: string }[] }[];
      }[];
    };
    const resource = Object.fromEntries(
      body.resourceSpans[0]!.resource.attributes.map((a) => [a.key, a.value.stringValue]),
    );
    expect(resource).toMatchObject({
      'service.name': 'steadfast-under-test',
      'deployment.environment.name': 'ci',
      team: 'pay ments',
    });
    const span = body.resourceSpans
      .flatMap((r) => r.scopeSpans.flatMap((scope) => scope.spans))
      .find((candidate) => candidate.name === 'GET /readyz');
    expect(span).toMatchObject({ traceId: TRACE, parentSpanId: 'b7ad6b7169203331' });
  });
});

describe('a collector that is down (real process)', { timeout: 60_000 }, () => {
  let server: Server | undefined;
  let removeDb: (() => void) | undefined;
  afterEach(async () => {
    await server?.kill();
    removeDb?.();
  });

  it.each(['http/protobuf', 'http/json'])(
    'keeps serving when every %s export is refused',
    async (protocol) => {
      // A port nothing listens on: every export attempt gets ECONNREFUSED.
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const db = tempDatabase();
      removeDb = db.remove;
      server = await spawnServer({
        DATABASE_URL: db.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_BSP_SCHEDULE_DELAY: '50',
        SHUTDOWN_DELAY_MS: '0',
      });
      for (let round = 0; round < 5; round += 1) {
        expect((await httpRequest(`${server.baseUrl}/livez`)).status).toBe(200);
        // Long enough for the batch processor to attempt (and fail) an export.
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
      expect((await httpRequest(`${server.baseUrl}/readyz`)).status).toBe(200);
      // The final flush at shutdown fails too: logged, and the process still exits cleanly.
      server.process.kill('SIGTERM');
      const exit = await server.waitForExit(20_000);
      expect(exit.code, server.stderr()).toBe(0);
      expect(server.stdout()).toContain('"event":"shutdown.completed"');
    },
  );
});
