import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemCatalogue, type ProblemCode } from './catalogue.js';
import type { FieldError } from './api-error.js';
import { traceIdOf } from '../observability/trace-context.js';
import { safeEcho } from './echo.js';
import { MAX_POINTER_LENGTH } from './validation-errors.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** The RFC 9457 body every error response carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ProblemCode;
  request_id: string;
  /** On 5xx when the request has a trace: where support finds what happened. */
  trace_id?: string;
  /** Readiness only: the state of each dependency. */
  checks?: Record<string, string>;
  errors?: FieldError[];
}

/** The `type` URI of a code: a page served by this API that describes it. */
export function problemTypeUri(publicBaseUrl: string, code: ProblemCode): string {
  return `${publicBaseUrl}/problems/${code}`;
}

/** The documented maximum length of `instance` (problem-schema.ts). */
const MAX_INSTANCE_LENGTH = 2048;

/**
 * Path of the request without its query string, which may hold data not meant for echoing;
 * escaped and bounded like every echoed value (echo.ts).
 */
export function instanceOf(url: string): string {
  const query = url.indexOf('?');
  return safeEcho(query === -1 ? url : url.slice(0, query), MAX_INSTANCE_LENGTH);
}

/** A trace id that was not sampled leads nowhere in the trace backend, so it is not quoted. */
function traceField(request: object): { trace_id?: string } {
  const trace = traceIdOf(request);
  return trace?.sampled ? { trace_id: trace.traceId } : {};
}

export function buildProblem(
  publicBaseUrl: string,
  request: Pick<FastifyRequest, 'id' | 'url'>,
  code: ProblemCode,
  detail: string,
  errors?: FieldError[],
): Problem {
  const definition = problemCatalogue[code];
  return {
    type: problemTypeUri(publicBaseUrl, code),
    title: definition.title,
    status: definition.status,
    detail,
    instance: instanceOf(request.url),
    code,
    request_id: request.id,
    // Every pointer echoes names a client chose: escaped here, whichever check produced it.
    ...(errors && errors.length > 0
      ? { errors: errors.map((e) => ({ ...e, pointer: safeEcho(e.pointer, MAX_POINTER_LENGTH) })) }
      : {}),
    ...(definition.status >= 500 ? traceField(request) : {}),
  };
}

/** The code of the problem a reply carries, read by metrics when the response completes. */
const sentProblems = new WeakMap<FastifyReply, ProblemCode>();

/** The catalogue code of the problem sent on this reply, if it sent one. */
export function problemCodeOf(reply: FastifyReply): ProblemCode | undefined {
  return sentProblems.get(reply);
}

/** Sends a problem as a pre-serialised string so no route response schema can reshape it. */
export function sendProblem(reply: FastifyReply, problem: Problem): FastifyReply {
  sentProblems.set(reply, problem.code);
  return reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}
