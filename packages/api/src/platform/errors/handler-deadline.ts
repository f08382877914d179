import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from './api-error.js';

export interface HandlerDeadlineOptions {
  /** HANDLER_TIMEOUT_MS: longest a request may take from routing to its response. */
  timeoutMs: number;
}

/** Seconds a client should wait before retrying a request that ran out of time. */
const RETRY_AFTER_SECONDS = '1';

/**
 * HANDLER_TIMEOUT_MS for every method. Fastify 5's own `handlerTimeout` clears its timer on the
 * request's `close` event, which Node emits as soon as a request body has been read, so any
 * request with a body (POST, PATCH) ran unbounded (issue 14, defect 1; the upstream reproduction
 * is in docs/security.md). This timer starts when the request is routed and stops when the
 * response is sent or the client goes away; when it fires first the client gets 503
 * handler_timeout with Retry-After, and `request.deadline` is aborted so a handler that listens
 * for it can stop its work.
 */
async function handlerDeadlinePlugin(app: FastifyInstance, options: HandlerDeadlineOptions) {
  // The signal is made only for a request that asks for it (few handlers listen): an
  // AbortController per request was a measurable share of a cached read (bench/RESULTS.md,
  // issue 19). `expired` holds the reason of a request whose time ran out, for a signal asked
  // for afterwards; `controllers` the signals handed out, for a timer that fires later.
  const controllers = new WeakMap<FastifyRequest, AbortController>();
  const expired = new WeakMap<FastifyRequest, ApiError>();
  app.decorateRequest('deadline', {
    getter(this: FastifyRequest): AbortSignal {
      let controller = controllers.get(this);
      if (controller === undefined) {
        controller = new AbortController();
        const reason = expired.get(this);
        if (reason !== undefined) controller.abort(reason);
        controllers.set(this, controller);
      }
      return controller.signal;
    },
  });
  app.addHook('onRequest', (request, reply, done) => {
    const timer = setTimeout(() => {
      const error = new ApiError(
        'handler_timeout',
        'The request took longer than the server allows.',
        { headers: { 'retry-after': RETRY_AFTER_SECONDS } },
      );
      expired.set(request, error);
      controllers.get(request)?.abort(error);
      if (reply.sent || reply.raw.headersSent) return;
      request.log.warn(
        { event: 'request.handler_timeout', timeout_ms: options.timeoutMs },
        'handler timed out',
      );
      reply.send(error);
    }, options.timeoutMs);
    // The response's `close` fires when it has been sent and when the client disconnects early.
    reply.raw.once('close', () => clearTimeout(timer));
    done();
  });
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Aborted when HANDLER_TIMEOUT_MS has passed and the client got 503 handler_timeout. */
    deadline: AbortSignal;
  }
}

export const handlerDeadline = fp(handlerDeadlinePlugin, { name: 'steadfast-handler-deadline' });
