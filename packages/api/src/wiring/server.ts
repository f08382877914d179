import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import type { Config } from '../config/index.js';
import { createErrorResponder } from '../platform/errors/error-handler.js';
import { createAppLogger } from '../platform/observability/logger.js';
import { REQUEST_ID_HEADER, requestIdFor } from '../platform/observability/request-id.js';
import { createClientErrorHandler } from '../platform/security/client-errors.js';
import { createQuerystringParser } from '../platform/security/query-limits.js';
import { transportOptions } from '../platform/security/transport.js';
import { validateRequests } from '../platform/validation/compilers.js';

/** The process logger: JSON lines to stdout, or to `stream` (tests read them). */
export function createLogger(config: Config, stream?: DestinationStream): FastifyBaseLogger {
  return createAppLogger(config, stream);
}

/**
 * The Fastify instance with every listener-level setting: limits and timeouts, TLS, proxy trust,
 * request ids, and problem+json for the failures that happen before any hook runs.
 */
export function createServer(config: Config, logger: FastifyBaseLogger): FastifyInstance {
  const respondToError = createErrorResponder(config.publicBaseUrl);
  const app = Fastify({
    loggerInstance: logger,
    genReqId: requestIdFor,
    // platform/observability writes the one access line per request itself.
    logController: new LogController({
      requestIdLogLabel: 'request_id',
      disableRequestLogging: true,
    }),
    bodyLimit: config.bodyLimitBytes,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // HANDLER_TIMEOUT_MS is enforced by platform/errors/handler-deadline.ts: Fastify's own
    // handlerTimeout stops counting once a request body has been read.
    trustProxy: config.trustProxy,
    // HTTPS when TLS_CERT_FILE/TLS_KEY_FILE are set, else HTTP; MAX_HEADER_BYTES either way.
    ...transportOptions(config),
    // Requests that still arrive on open keep-alive sockets while closing are served (and told
    // Connection: close) instead of getting Fastify's own non-problem 503.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    exposeHeadRoutes: true,
    clientErrorHandler: createClientErrorHandler(config.publicBaseUrl),
    // Routing failures (bad URL encoding, over-long path parameter) happen before any hook runs.
    frameworkErrors: (error, request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      void respondToError(error, request, reply);
    },
    routerOptions: {
      ignoreTrailingSlash: false,
      maxParamLength: 128,
      querystringParser: createQuerystringParser(config.limits.maxQueryParams),
    },
  });
  app.server.headersTimeout = config.headersTimeoutMs;
  validateRequests(app);
  return app;
}
