import type { FastifyInstance } from 'fastify';
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
  const timers = new WeakMap<object, NodeJS.Timeout>();
  app.decorateRequest('deadline', undefined as unknown as AbortSignal);
  app.addHook('onRequest', async (request, reply) => {
    const controller = new AbortController();
    request.deadline = controller.signal;
    const timer = setTimeout(() => {
      const error = new ApiError(
        'handler_timeout',
        'The request took longer than the server allows.',
        { headers: { 'retry-after': RETRY_AFTER_SECONDS } },
      );
      controller.abort(error);
      if (reply.sent || reply.raw.headersSent) return;
      request.log.warn(
        { event: 'request.handler_timeout', timeout_ms: options.timeoutMs },
        'handler timed out',
      );
      reply.send(error);
    }, options.timeoutMs);
    timers.set(request, timer);
    // The response's `close` fires when it has been sent and when the client disconnects early.
    reply.raw.once('close', () => clearTimeout(timer));
  });
  app.addHook('onResponse', async (request) => clearTimeout(timers.get(request)));
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Aborted when HANDLER_TIMEOUT_MS has passed and the client got 503 handler_timeout. */
    deadline: AbortSignal;
  }
}

export const handlerDeadline = fp(handlerDeadlinePlugin, { name: 'steadfast-handler-deadline' });
