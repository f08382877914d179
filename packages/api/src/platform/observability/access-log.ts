import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { REQUEST_ID_HEADER } from './request-id.js';

/**
 * Echoes the request id on every response and writes exactly one access line per request, with
 * the route pattern (never the raw path, which holds ids) and the tenant once authenticated.
 */
async function accessLogPlugin(app: FastifyInstance) {
  // Callback hooks: every request walks them, and a promise each is measurable (issue 19).
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    const line = {
      method: request.method,
      route: request.routeOptions.url ?? 'not_found',
      status,
      duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      tenant: request.auth?.accountId,
    };
    // 503 is a planned refusal (draining, dependency down): a warning; other 5xx are our bugs.
    if (status === 503) request.log.warn(line, 'request completed');
    else if (status >= 500) request.log.error(line, 'request completed');
    else request.log.info(line, 'request completed');
    done();
  });
}

export const accessLog = fp(accessLogPlugin, { name: 'steadfast-access-log' });
