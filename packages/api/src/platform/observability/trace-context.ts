import type { FastifyRequest } from 'fastify';

/**
 * The trace each request runs under: its server span's when tracing is on, else a trusted
 * inbound `traceparent`'s, so logs still join the caller's trace. `sampled` says whether the
 * trace is really recorded: a 5xx problem body quotes only a trace id that leads somewhere.
 */
export interface RequestTraceId {
  traceId: string;
  sampled: boolean;
}

const traceIds = new WeakMap<object, RequestTraceId>();

export function setTraceId(request: FastifyRequest, traceId: RequestTraceId): void {
  traceIds.set(request, traceId);
}

/** The request's trace id and whether it is sampled, if it has one. */
export function traceIdOf(request: object): RequestTraceId | undefined {
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

/**
 * Trace fields for the log lines of one request's logger, added by the root logger's `mixin`
 * (logger.ts). Binding them with `request.log.child()` instead cost about a tenth of a cached
 * GET's CPU with tracing on: pino builds and serialises a whole child per request.
 */
const logFields = new WeakMap<object, Readonly<Record<string, string>>>();

/** Adds `fields` to every line `logger` writes from now on. */
export function tagLogger(logger: object, fields: Readonly<Record<string, string>>): void {
  logFields.set(logger, fields);
}

/** The trace fields of a request's logger, if it has any. */
export function logFieldsOf(logger: object): Readonly<Record<string, string>> | undefined {
  return logFields.get(logger);
}
