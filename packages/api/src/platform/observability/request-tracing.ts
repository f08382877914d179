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
import { inboundTraceId, setTraceId, tagLogger } from './trace-context.js';
import { isSampled, type Tracing } from './tracing.js';

interface RequestTrace {
  span: Span;
  context: Context;
}

/** Path without the query string: the query may hold data not meant for a trace backend. */
const pathOf = (url: string) => url.split('?', 1)[0] ?? '/';

/**
 * One SERVER span per request, named by route pattern. An inbound `traceparent` is its parent
 * only when TRACE_TRUST_INBOUND says so; otherwise the span starts a new trace and links to the
 * caller's span, so a stranger cannot pick our trace ids or force sampling. The rest of the request runs inside the span's context (entered again after body parsing,
 * whose stream events run outside it), so database and processor spans become its children.
 * Written by hand rather than with @fastify/otel, which adds a span per hook and per handler.
 */
async function requestTracingPlugin(app: FastifyInstance, options: { tracing: Tracing }) {
  const { tracing } = options;
  const traces = new WeakMap<FastifyRequest, RequestTrace>();

  app.addHook('onRequest', (request, _reply, done) => {
    const { parent, links } = tracing.inbound(request.headers);
    const route = request.routeOptions.url;
    const span = tracing.tracer.startSpan(
      `${request.method} ${route ?? 'not_found'}`,
      { kind: SpanKind.SERVER, links },
      parent,
    );
    // The samplers we configure (tracing.ts) decide on the trace id and the parent, never on
    // attributes, so these are set only on a span that is recorded: an unsampled request (90% at
    // a 10% ratio) builds none of them.
    if (span.isRecording())
      span.setAttributes({
        [ATTR_HTTP_REQUEST_METHOD]: request.method,
        [ATTR_URL_PATH]: pathOf(request.url),
        [ATTR_URL_SCHEME]: request.protocol,
        ...(route ? { [ATTR_HTTP_ROUTE]: route } : {}),
        'steadfast.request_id': request.id,
      });
    const active = trace.setSpan(parent, span);
    traces.set(request, { span, context: active });
    const { traceId, spanId, traceFlags } = span.spanContext();
    setTraceId(request, { traceId, sampled: isSampled(traceFlags) });
    tagLogger(request.log, { trace_id: traceId, span_id: spanId });
    context.with(active, done);
  });

  app.addHook('preValidation', (request, _reply, done) => {
    const current = traces.get(request);
    // Only a parsed body leaves the context (GETs are still inside it): re-enter just then.
    if (current && context.active() !== current.context) context.with(current.context, done);
    else done();
  });

  // Callback hooks, not async ones: every request walks them, and a promise each is measurable.
  app.addHook('onResponse', (request, reply, done) => {
    const current = traces.get(request);
    if (!current) return done();
    const { span } = current;
    if (!span.isRecording()) {
      span.end();
      return done();
    }
    span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    if (request.auth) span.setAttribute('steadfast.tenant', request.auth.accountId);
    // Per the HTTP semantic conventions a 4xx is the client's error, not the server span's.
    if (reply.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end();
    done();
  });

  app.addHook('onRequestAbort', (request, done) => {
    const current = traces.get(request);
    if (current) {
      current.span.setStatus({ code: SpanStatusCode.ERROR, message: 'client aborted the request' });
      current.span.end();
    }
    done();
  });
}

/**
 * Without tracing, a valid inbound `traceparent` still tags the request's log lines, at the cost
 * of one regex on requests that carry the header: as `trace_id` when the caller is trusted, else
 * as `caller_trace_id`, so a stranger's id never poses as one of ours in a log search. Nothing is
 * sampled here, so no problem body quotes it.
 */
async function inboundTraceLoggingPlugin(app: FastifyInstance, options: { trustInbound: boolean }) {
  const field = options.trustInbound ? 'trace_id' : 'caller_trace_id';
  app.addHook('onRequest', (request, _reply, done) => {
    const traceId = inboundTraceId(request.headers.traceparent);
    if (traceId !== undefined) {
      if (options.trustInbound) setTraceId(request, { traceId, sampled: false });
      tagLogger(request.log, { [field]: traceId });
    }
    done();
  });
}

/** Server spans when tracing is on; otherwise inbound trace ids in the logs only. */
export const requestTracing = fp(
  async (
    app: FastifyInstance,
    options: { tracing: Tracing | undefined; trustInbound: boolean },
  ) => {
    if (options.tracing) await requestTracingPlugin(app, { tracing: options.tracing });
    else await inboundTraceLoggingPlugin(app, { trustInbound: options.trustInbound });
  },
  { name: 'steadfast-request-tracing' },
);
