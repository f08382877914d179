import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest, spawnServer, tempDatabase, type Server } from '../support/process.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

/** A real OTLP/HTTP receiver on loopback that keeps every export request it is sent. */
async function startCollector() {
  const exports: { path: string; contentType: string; body: string }[] = [];
  const server: HttpServer = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      exports.push({
        path: request.url ?? '',
        contentType: request.headers['content-type'] ?? '',
        body: Buffer.concat(chunks).toString(),
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

  it('sends the request span, continuing the caller trace, to OTEL_EXPORTER_OTLP_ENDPOINT', async () => {
    collector = await startCollector();
    const db = tempDatabase();
    removeDb = db.remove;
    server = await spawnServer({
      DATABASE_URL: db.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: 'steadfast-under-test',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    const response = await httpRequest(`${server.baseUrl}/readyz`, {
      headers: { traceparent: `00-${TRACE}-b7ad6b7169203331-01` },
    });
    expect(response.status).toBe(200);

    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !collector.exports.some((e) => e.body.includes(TRACE))) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const exported = collector.exports.find((e) => e.body.includes(TRACE));
    expect(exported, JSON.stringify(collector.exports.map((e) => e.path))).toBeDefined();
    expect(exported!.path).toBe('/v1/traces');
    expect(exported!.body).toContain('GET /readyz');
    expect(exported!.body).toContain('steadfast-under-test');
  });
});
