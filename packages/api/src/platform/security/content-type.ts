import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { declareProblems } from '../errors/declared-problems.js';

/** Methods whose requests carry a body, and so can be refused while it is read and parsed. */
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

/**
 * JSON is the only body format. Fastify also parses text/plain by default; removing it makes any
 * other media type a 415 instead of a string handed to a handler that expects an object.
 */
async function contentTypePlugin(app: FastifyInstance) {
  app.removeContentTypeParser('text/plain');
  // The refusals of body reading and parsing (here, Fastify's bodyLimit and json-body.ts).
  declareProblems(app, (route) =>
    [route.method].flat().some((method) => WITH_BODY.has(method))
      ? ['malformed_json', 'payload_too_large', 'unsupported_media_type']
      : [],
  );
}

export const jsonOnly = fp(contentTypePlugin, { name: 'steadfast-json-only' });
