/**
 * Below any framework: `node:http` answering the same JSON bodies as bare Fastify, from memory
 * (peers/bodies.ts). Like Fastify, it serialises the body on every request (JSON.stringify) and
 * sends Content-Type and Content-Length; routing is two string checks.
 */
import { createServer } from 'node:http';
import { capturedBodies } from './bodies.js';

const bodies = capturedBodies();

const server = createServer((request, response) => {
  const path = request.url?.split('?', 1)[0] ?? '';
  const body =
    path === '/v1/orders'
      ? bodies.list
      : path.startsWith('/v1/orders/')
        ? bodies.order
        : path === '/readyz'
          ? { status: 'ok' }
          : undefined;
  if (request.method !== 'GET' || body === undefined) {
    response.writeHead(404).end();
    return;
  }
  const text = JSON.stringify(body);
  response.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
server.listen(Number(process.env.PORT), '127.0.0.1');
