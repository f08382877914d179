import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { problemCodeOf } from '../errors/problem.js';
import { statusClass, type Metrics } from './metrics.js';

/**
 * RED metrics per route pattern (never the raw path), requests in flight, and error responses
 * by problem code. A request aborted by its client leaves the in-flight gauge exactly once.
 */
async function httpMetricsPlugin(app: FastifyInstance, options: { metrics: Metrics }) {
  const { metrics } = options;
  const open = new WeakSet<FastifyRequest>();
  const leave = (request: FastifyRequest) => {
    if (open.delete(request)) metrics.requestsInFlight.dec();
  };

  app.addHook('onRequest', async (request) => {
    open.add(request);
    metrics.requestsInFlight.inc();
  });
  app.addHook('onResponse', async (request, reply) => {
    leave(request);
    const status = reply.statusCode;
    metrics.requestDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'not_found',
        status_class: statusClass(status),
      },
      reply.elapsedTime / 1000,
    );
    const code = problemCodeOf(reply);
    if (code !== undefined) metrics.problems.inc({ code, status: String(status) });
  });
  app.addHook('onRequestAbort', async (request) => leave(request));
}

export const httpMetrics = fp(httpMetricsPlugin, { name: 'steadfast-http-metrics' });
