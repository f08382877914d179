import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors/api-error.js';

/** More than one Host field: which one names the target is ambiguous (RFC 9112 §3.2). */
function hasDuplicateHost(rawHeaders: string[]): boolean {
  let seen = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.length === 4 && rawHeaders[i]!.toLowerCase() === 'host') seen += 1;
  }
  return seen > 1;
}

const expectsContinue = (request: FastifyRequest) =>
  request.headers.expect?.toLowerCase() === '100-continue';

const hasBody = (request: FastifyRequest) =>
  request.headers['transfer-encoding'] !== undefined ||
  Number(request.headers['content-length'] ?? 0) > 0;

/**
 * HTTP/1.1 framing rules that Node leaves to the application (issue 20 §8–§10):
 *
 * - A request with two Host fields is 400 (RFC 9112 §3.2), before anything else looks at it.
 * - `Expect: 100-continue` is answered only when the body is about to be read: Node sends
 *   `100 Continue` itself unless `checkContinue` has a listener, which would invite a 50 MB body
 *   that authentication or the size limit then refuses. With the listener, the request runs its
 *   onRequest hooks (load shedding, rate limits, authentication) first; preParsing refuses a
 *   declared length over the route's limit and only then sends 100 (RFC 9110 §10.1.1).
 * - A response sent before the request body was fully received (an early 401/413/415, a handler
 *   timeout under a trickled body) carries `Connection: close`, so Node closes the socket once the
 *   answer is written instead of draining a body of unbounded duration to keep the connection.
 */
async function httpFramingPlugin(app: FastifyInstance) {
  app.server.on('checkContinue', (request, response) =>
    app.server.emit('request', request, response),
  );
  // Callback hooks (a throw in one reaches Fastify's error path all the same): every request
  // walks them, and a promise each is measurable (issue 19).
  app.addHook('onRequest', (request, _reply, done) => {
    if (hasDuplicateHost(request.raw.rawHeaders)) {
      throw new ApiError('bad_request', 'The request must carry exactly one Host header.');
    }
    done();
  });
  app.addHook('preParsing', (request, reply, payload, done) => {
    if (!expectsContinue(request) || !hasBody(request)) return done(null, payload);
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > request.routeOptions.bodyLimit) {
      throw new ApiError('payload_too_large', 'The request body is too large.');
    }
    if (!reply.raw.headersSent) reply.raw.writeContinue();
    done(null, payload);
  });
  app.addHook('onSend', (request, reply, _payload, done) => {
    if (!request.raw.complete) reply.header('connection', 'close');
    done();
  });
}

export const httpFraming = fp(httpFramingPlugin, { name: 'steadfast-http-framing' });
