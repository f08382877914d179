import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * A request without a body reaches validation as `undefined`, which yields the unhelpful
 * "body must be object". Treating it as `{}` lets the schema name each missing field instead.
 */
async function emptyBodyPlugin(app: FastifyInstance) {
  app.addHook('preValidation', (request, _reply, done) => {
    if (request.body === undefined && request.routeOptions.schema?.body !== undefined)
      request.body = {};
    done();
  });
}

export const emptyBodyAsObject = fp(emptyBodyPlugin, { name: 'steadfast-empty-body' });
