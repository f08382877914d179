import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import { isDatabaseUnavailable } from '../../db/errors.js';
import { ApiError, VALIDATION_DETAIL } from './api-error.js';
import type { ProblemCode } from './catalogue.js';
import { buildProblem, sendProblem } from './problem.js';
import { safeEcho } from './echo.js';
import { refuseMethod, ROUTED_METHODS } from './methods.js';
import { writeRawProblem } from './raw-problem.js';
import { toFieldErrors } from './validation-errors.js';

export interface ErrorHandlerOptions {
  publicBaseUrl: string;
}

/** Fastify's own error codes that are the client's fault, mapped to catalogue codes. */
const FRAMEWORK_ERRORS: Record<string, { code: ProblemCode; detail: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    detail: 'Request bodies must be sent as application/json.',
  },
  FST_ERR_CTP_BODY_TOO_LARGE: {
    code: 'payload_too_large',
    detail: 'The request body is too large.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'bad_request',
    detail: 'Content-Length does not match the body that was sent.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'malformed_json',
    detail: 'The body is empty but Content-Type is application/json.',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed_json', detail: 'The body is not valid JSON.' },
  FST_ERR_BAD_URL: { code: 'bad_request', detail: 'The request URL is malformed.' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'bad_request', detail: 'A path segment is too long.' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'bad_request', detail: 'The request could not be routed.' },
  FST_ERR_HANDLER_TIMEOUT: {
    code: 'handler_timeout',
    detail: 'The request took longer than the server allows.',
  },
};

const RETRY_AFTER_SECONDS = '1';

/** Maps any thrown error to problem+json. Internals never reach the client; the log keeps them. */
export function createErrorResponder(publicBaseUrl: string) {
  return function respond(
    error: FastifyError | Error,
    request: FastifyRequest,
    reply: FastifyReply,
  ) {
    if (error instanceof ApiError) {
      for (const [name, value] of Object.entries(error.extras.headers ?? {}))
        reply.header(name, value);
      return sendProblem(
        reply,
        buildProblem(publicBaseUrl, request, error.code, error.detail, error.extras.errors),
      );
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const errors = toFieldErrors(fastifyError.validation, fastifyError.validationContext);
      return sendProblem(
        reply,
        buildProblem(publicBaseUrl, request, 'validation_failed', VALIDATION_DETAIL, errors),
      );
    }
    const known = fastifyError.code ? FRAMEWORK_ERRORS[fastifyError.code] : undefined;
    if (known) {
      if (known.code === 'handler_timeout') reply.header('retry-after', RETRY_AFTER_SECONDS);
      request.log.info({ err_code: fastifyError.code }, 'request rejected by the framework');
      return sendProblem(reply, buildProblem(publicBaseUrl, request, known.code, known.detail));
    }
    // A JSON.parse SyntaxError surfaces with statusCode 400 and no Fastify code.
    if (fastifyError instanceof SyntaxError && fastifyError.statusCode === 400) {
      return sendProblem(
        reply,
        buildProblem(publicBaseUrl, request, 'malformed_json', 'The body is not valid JSON.'),
      );
    }
    if (
      fastifyError.statusCode !== undefined &&
      fastifyError.statusCode >= 400 &&
      fastifyError.statusCode < 500
    ) {
      request.log.info({ err: error }, 'unclassified client error');
      return sendProblem(
        reply,
        buildProblem(publicBaseUrl, request, 'bad_request', 'The request could not be processed.'),
      );
    }
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error, event: 'db.unavailable' }, 'database unavailable');
      reply.header('retry-after', RETRY_AFTER_SECONDS);
      return sendProblem(
        reply,
        buildProblem(
          publicBaseUrl,
          request,
          'service_unavailable',
          'The service cannot reach its database right now. Retry shortly.',
        ),
      );
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendProblem(
      reply,
      buildProblem(
        publicBaseUrl,
        request,
        'internal_error',
        'An unexpected error occurred. Quote the request_id when reporting it.',
      ),
    );
  };
}

async function errorHandlerPlugin(app: FastifyInstance, options: ErrorHandlerOptions) {
  const respond = createErrorResponder(options.publicBaseUrl);
  // Fastify answers a known path with an unknown method as 404; a mirror of the route table lets
  // us answer 405 with the Allow header that RFC 9110 §15.5.6 requires.
  const routes = FindMyWay({ ignoreTrailingSlash: false });
  app.addHook('onRoute', (route) => {
    // A catch-all (the CORS preflight responder, `OPTIONS *`) would make every path look routed
    // and turn every 404 into a 405; it answers preflights only, so it stays out of the mirror.
    if (route.url === '*') return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (!routes.hasRoute(method as HTTPMethod, route.url))
        routes.on(method as HTTPMethod, route.url, () => undefined);
    }
  });
  const allowedOn = (path: string) =>
    ROUTED_METHODS.filter((method) => routes.find(method, path) !== null);

  /** 405 or 501 for a request no route takes because of its method; false when it is a 404. */
  function refuse(request: FastifyRequest, reply: FastifyReply): boolean {
    const path = request.url.split('?')[0] ?? '/';
    const refusal = refuseMethod(request.method, path, allowedOn);
    if (refusal === undefined) return false;
    const method = safeEcho(request.method, 32);
    if (refusal.code === 'method_not_allowed') {
      reply.header('allow', refusal.allow.join(', '));
      sendProblem(
        reply,
        buildProblem(
          options.publicBaseUrl,
          request,
          'method_not_allowed',
          `${method} is not supported on this path; use ${refusal.allow.join(', ')}.`,
        ),
      );
      return true;
    }
    sendProblem(
      reply,
      buildProblem(
        options.publicBaseUrl,
        request,
        'method_not_implemented',
        `${method} is not a method this API implements for any resource.`,
      ),
    );
    return true;
  }

  app.setErrorHandler(respond);
  // After every onRequest hook (request id, CORS, security headers) and before body parsing:
  // Fastify would otherwise refuse a QUERY without Content-Type with a bare 400 (RFC 10008)
  // before the not-found handler is reached.
  /** The answer to a request no route takes: 405, 501 or 404 route_not_found. */
  function answerUnrouted(request: FastifyRequest, reply: FastifyReply) {
    if (refuse(request, reply)) return reply;
    const path = request.url.split('?')[0] ?? '/';
    // The path is echoed in `detail` (at most 2000 characters): escaped and bounded.
    const shownPath = safeEcho(path, 1500);
    return sendProblem(
      reply,
      buildProblem(
        options.publicBaseUrl,
        request,
        'route_not_found',
        `No route matches ${request.method} ${shownPath}.`,
      ),
    );
  }
  // After every onRequest hook (request id, CORS, security headers) and before body parsing:
  // Fastify would otherwise refuse a QUERY without Content-Type with a bare 400 (RFC 10008)
  // before the not-found handler is reached.
  app.addHook('preParsing', async (request, reply, payload) => {
    if (request.is404) return answerUnrouted(request, reply);
    return payload;
  });
  app.setNotFoundHandler(answerUnrouted);
  // Node hands CONNECT to a 'connect' listener and, with none, destroys the socket unanswered.
  // This server is no proxy: every CONNECT gets the same problem+json as any other refusal.
  app.server.on('connect', (request: IncomingMessage, socket: Duplex) => {
    const path = (request.url ?? '').split('?')[0] ?? '';
    const refusal = refuseMethod('CONNECT', path, allowedOn);
    const requestId = writeRawProblem(socket, options.publicBaseUrl, {
      code: refusal?.code ?? 'route_not_found',
      detail:
        refusal?.code === 'method_not_allowed'
          ? `CONNECT is not supported on this path; use ${refusal.allow.join(', ')}.`
          : refusal?.code === 'method_not_implemented'
            ? 'This server is not a proxy: CONNECT is implemented for no resource.'
            : `No route matches CONNECT ${safeEcho(path, 1500)}.`,
      instance: path.startsWith('/') ? safeEcho(path, 2048) : '/',
      headers: refusal?.code === 'method_not_allowed' ? { allow: refusal.allow.join(', ') } : {},
    });
    app.log.info({ request_id: requestId, method: 'CONNECT' }, 'CONNECT refused');
  });
}

/** Global problem+json error handling, 404, 405 and 501 included. */
export const errorHandler = fp(errorHandlerPlugin, { name: 'steadfast-errors' });
