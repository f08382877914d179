/**
 * Express 5 with nothing added, answering the captured bodies from memory (peers/bodies.ts) with
 * `res.json`: what the framework alone costs, next to the Express peer with every feature on.
 */
import express from 'express';
import { capturedBodies } from './bodies.js';

const bodies = capturedBodies();
const app = express();
app.get('/v1/orders/:id', (_request, response) => {
  response.json(bodies.order);
});
app.get('/v1/orders', (_request, response) => {
  response.json(bodies.list);
});
app.get('/readyz', (_request, response) => {
  response.json({ status: 'ok' });
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
