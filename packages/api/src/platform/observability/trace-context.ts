import type { FastifyRequest } from 'fastify';

/**
 * The trace id each request runs under: from its server span when tracing is on, else from a
 * valid inbound `traceparent`, so logs still join the caller's trace. Problem bodies of 5xx
 * quote it so a support ticket leads straight to the trace.
 */
const traceIds = new WeakMap<object, string>();

export function setTraceId(request: FastifyRequest, traceId: string): void {
  traceIds.set(request, traceId);
}

/** The request's trace id, if it has one. */
export function traceIdOf(request: object): string | undefined {
  return traceIds.get(request);
}

/** W3C Trace Context `traceparent`: version 00, 32-hex trace id, 16-hex parent id, flags. */
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** The trace id of a well-formed inbound `traceparent`, or undefined (ignored, never an error). */
export function inboundTraceId(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const match = TRACEPARENT.exec(header.trim());
  if (!match || match[1] === INVALID_TRACE_ID || match[2] === INVALID_SPAN_ID) return undefined;
  return match[1];
}
