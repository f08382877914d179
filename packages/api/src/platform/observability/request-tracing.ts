import {
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  type Context,
  type Span,
} from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from '@opentelemetry/semantic-conventions';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { inboundTraceId, setTraceId } from './trace-context.js';
import type { Tracing } from './tracing.js';

interface RequestTrace {
  span: Span;
  context: Context;
}

/** Path without the query string: the query may hold data not meant for a trace backend. */
const pathOf = (url: string) => url.split('?', 1)[0] ?? '/';

/**
 * One SERVER span per request, named by route pattern and parented on an inbound `traceparent`.
 * The rest of the request runs inside the span's context (entered again after body parsing,
 * whose stream events run outside it), so database and processor spans become its children.
 * Written by hand rather than with @fastify/otel, which adds a span per hook and per handler.
 */
async function requestTracingPlugin(app: FastifyInstance, options: { tracing: Tracing }) {
  const { tracing } = options;
  const traces = new WeakMap<FastifyRequest, RequestTrace>();

  app.addHook('onRequest', (request, _reply, done) => {
    const parent = tracing.extract(request.headers);
    const route = request.routeOptions.url;
    const span = tracing.tracer.startSpan(
      `${request.method} ${route ?? 'not_found'}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_URL_PATH]: pathOf(request.url),
          [ATTR_URL_SCHEME]: request.protocol,
          ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
          'steadfast.request_id': request.id,
        },
      },
      parent,
    );
    const active = trace.setSpan(parent, span);
    traces.set(request, { span, context: active });
    const { traceId, spanId } = span.spanContext();
    setTraceId(request, traceId);
    request.log = request.log.child({ trace_id: traceId, span_id: spanId });
    context.with(active, done);
  });

  app.addHook('preValidation', (request, _reply, done) => {
    const current = traces.get(request);
    if (current) context.with(current.context, done);
    else done();
  });

  app.addHook('onResponse', async (request, reply) => {
    const current = traces.get(request);
    if (!current) return;
    const { span } = current;
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    if (request.auth) span.setAttribute('steadfast.tenant', request.auth.accountId);
    // Per the HTTP semantic conventions a 4xx is the client's error, not the server span's.
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
  });

  app.addHook('onRequestAbort', async (request) => {
    const current = traces.get(request);
    if (!current) return;
    current.span.setStatus({ code: SpanStatusCode.ERROR, message: 'client aborted the request' });
    current.span.end();
  });
}

/**
 * Without tracing, a valid inbound `traceparent` still tags the request's log lines with the
 * caller's trace id, at the cost of one regex on requests that carry the header.
 */
async function inboundTraceLoggingPlugin(app: FastifyInstance) {
  app.addHook('onRequest', async (request) => {
    const traceId = inboundTraceId(request.headers.traceparent);
    if (traceId === undefined) return;
    setTraceId(request, traceId);
    request.log = request.log.child({ trace_id: traceId });
  });
}

/** Server spans when tracing is on; otherwise inbound trace ids in the logs only. */
export const requestTracing = fp(
  async (app: FastifyInstance, options: { tracing: Tracing | undefined }) => {
    if (options.tracing) await requestTracingPlugin(app, { tracing: options.tracing });
    else await inboundTraceLoggingPlugin(app);
  },
  { name: 'steadfast-request-tracing' },
);
