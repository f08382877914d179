import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * JSON is the only body format. Fastify also parses text/plain by default; removing it makes any
 * other media type a 415 instead of a string handed to a handler that expects an object.
 */
async function contentTypePlugin(app: FastifyInstance) {
  app.removeContentTypeParser('text/plain');
}

export const jsonOnly = fp(contentTypePlugin, { name: 'steadfast-json-only' });
