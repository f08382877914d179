/**
 * The ceiling on this machine: bare Fastify (no logging, no plugins) answering the same JSON bodies
 * the real API sends for GET /v1/orders/{id} and GET /v1/orders?limit=20, from memory.
 * BENCH_BARE_BODIES names a JSON file `{ "order": …, "list": … }` captured from the real server.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const bodies = JSON.parse(readFileSync(process.env.BENCH_BARE_BODIES!, 'utf8')) as {
  order: unknown;
  list: unknown;
};
const app = Fastify({ logger: false });
app.get('/v1/orders/:id', async () => bodies.order);
app.get('/v1/orders', async () => bodies.list);
app.get('/readyz', async () => ({ status: 'ok' }));
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
