import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { LogEvent } from 'kysely';
import { pino, type DestinationStream } from 'pino';
import type { Config } from './config.js';
import { openDatabase, type Db } from './db/database.js';
import { requireApiKey } from './platform/auth/authenticate.js';
import { conditionalRequests } from './platform/caching/conditional-requests.js';
import { createErrorResponder, errorHandler } from './platform/errors/error-handler.js';
import { registerProblemPages } from './platform/errors/problem-pages.js';
import { registerHealthRoutes } from './platform/health/routes.js';
import { accessLog } from './platform/observability/access-log.js';
import { loggerOptions } from './platform/observability/logger.js';
import { REQUEST_ID_HEADER, requestIdFor } from './platform/observability/request-id.js';
import { registerDocumentation } from './platform/openapi/documentation.js';
import { createClientErrorHandler } from './platform/security/client-errors.js';
import { jsonOnly } from './platform/security/content-type.js';
import { securityHeaders } from './platform/security/headers.js';
import { createValidatorCompiler } from './platform/validation/compilers.js';
import { emptyBodyAsObject } from './platform/validation/empty-body.js';
import { registerOrderRoutes } from './modules/orders/routes.js';
import { createOrdersService } from './modules/orders/service.js';
import { registerUserRoutes } from './modules/users/routes.js';
import { createUsersService } from './modules/users/service.js';

export const API_VERSION = '1.0.0';

/** What tests (or an embedding program) may supply instead of the defaults built from config. */
export interface AppOverrides {
  /** An already-open database; the app then does not close it. */
  db?: Db;
  /** Observe each SQL query (e.g. to count queries per request). */
  onQuery?: (event: LogEvent) => void;
  /** Where log lines go instead of stdout (tests read them). */
  logStream?: DestinationStream;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The database the app uses; closed with the app unless it was passed in. */
    db: Db;
    /** Lifecycle state; `draining` turns readiness to 503 during shutdown. */
    lifecycle: { draining: boolean };
  }
}

/** Builds the whole app without listening: platform plugins first, then the resource modules. */
export async function buildApp(
  config: Config,
  overrides: AppOverrides = {},
): Promise<FastifyInstance> {
  const respondToError = createErrorResponder(config.publicBaseUrl);
  const logger: FastifyBaseLogger = overrides.logStream
    ? pino(loggerOptions(config), overrides.logStream)
    : pino(loggerOptions(config));
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
    handlerTimeout: config.handlerTimeoutMs,
    trustProxy: config.trustProxy,
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
    routerOptions: { ignoreTrailingSlash: false, maxParamLength: 128 },
  });
  app.server.headersTimeout = config.headersTimeoutMs;
  app.setValidatorCompiler(createValidatorCompiler());

  const ownsDb = overrides.db === undefined;
  const db =
    overrides.db ??
    openDatabase({
      url: config.databaseUrl,
      poolMax: config.dbPoolMax,
      statementTimeoutMs: config.dbStatementTimeoutMs,
      onQuery: overrides.onQuery,
    });
  app.decorate('db', db);
  app.decorate('lifecycle', { draining: false });
  if (ownsDb) app.addHook('onClose', async () => db.close());
  // While draining, every response closes its connection: a keep-alive socket whose request was
  // in flight would otherwise idle until KEEP_ALIVE_TIMEOUT_MS and hold server.close() open.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (app.lifecycle.draining) reply.header('connection', 'close');
    return payload;
  });

  await app.register(errorHandler, { publicBaseUrl: config.publicBaseUrl });
  await app.register(accessLog);
  await app.register(securityHeaders);
  await app.register(jsonOnly);
  await app.register(emptyBodyAsObject);
  await app.register(conditionalRequests);

  // Documentation first: @fastify/swagger only sees routes registered after it.
  await registerDocumentation(app, { publicBaseUrl: config.publicBaseUrl, version: API_VERSION });
  registerHealthRoutes(app, {
    checkDependencies: () => db.ping(),
    isDraining: () => app.lifecycle.draining,
  });
  registerProblemPages(app);

  // Everything registered in this context requires an API key.
  await app.register(async (authenticated) => {
    requireApiKey(authenticated, { db: db.kysely });
    registerUserRoutes(authenticated, {
      users: createUsersService({ db: db.kysely }),
      publicBaseUrl: config.publicBaseUrl,
    });
    registerOrderRoutes(authenticated, {
      orders: createOrdersService({ db: db.kysely }),
      publicBaseUrl: config.publicBaseUrl,
    });
  });

  return app;
}
