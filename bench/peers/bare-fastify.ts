/**
 * The ceiling: bare Fastify (no logging, no plugins, no schema) answering the same JSON bodies the
 * real API sends for GET /v1/orders/{id} and GET /v1/orders?limit=20, from memory (peers/bodies.ts).
 * Fastify serialises the returned object on every request, as it would a handler's result.
 */
import Fastify from 'fastify';
import { capturedBodies } from './bodies.js';

const bodies = capturedBodies();
const app = Fastify({ logger: false });
app.get('/v1/orders/:id', async () => bodies.order);
app.get('/v1/orders', async () => bodies.list);
app.get('/readyz', async () => ({ status: 'ok' }));
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });
