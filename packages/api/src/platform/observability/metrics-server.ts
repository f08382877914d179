import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { ProbeAnswer } from '../health/ops-listener.js';

export interface MetricsServer {
  /** Where Prometheus scrapes, e.g. http://127.0.0.1:9464/metrics. */
  url: string;
  close(): Promise<void>;
}

/**
 * The metrics listener: `GET /metrics` in the Prometheus text format on its own port (loopback by
 * default), so the series (routes, error codes, volumes) are never served on the public API port.
 * With `probes`, it also answers the health probes (health/ops-listener.ts), out of reach of a
 * flood on the API port.
 */
export async function startMetricsServer(
  registry: Registry,
  options: { host: string; port: number },
  probes?: (method: string, path: string) => Promise<ProbeAnswer> | undefined,
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const probe = probes?.(request.method ?? 'GET', path);
    if (probe) {
      probe.then(
        (answer) => {
          response.writeHead(answer.statusCode, answer.headers);
          response.end(request.method === 'HEAD' ? undefined : answer.body);
        },
        () => response.writeHead(500, { 'content-type': 'text/plain' }).end('probe failed\n'),
      );
      return;
    }
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      () => response.writeHead(500, { 'content-type': 'text/plain' }).end('collection failed\n'),
    );
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
