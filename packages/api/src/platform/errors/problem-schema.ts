import { Type } from 'typebox';
import { problemCatalogue, type ProblemCode } from './catalogue.js';

/** Human text: anything but NUL (which the API never sends, and refuses in input). */
const FREE_TEXT = { pattern: '^[^\\u0000]*$' };

/** RFC 9457 problem details as this API sends them; registered once as the shared `Problem` schema. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({
      format: 'uri',
      maxLength: 2048,
      description: 'URI of a page describing this kind of error.',
    }),
    title: Type.String({
      ...FREE_TEXT,
      maxLength: 200,
      description: 'Short summary of the kind of error; the same for every occurrence.',
    }),
    status: Type.Integer({ minimum: 400, maximum: 599, description: 'The HTTP status code.' }),
    detail: Type.String({
      ...FREE_TEXT,
      maxLength: 2000,
      description: 'What went wrong in this occurrence.',
    }),
    instance: Type.String({
      pattern: '^/',
      maxLength: 2048,
      description: 'Path of the request that failed.',
    }),
    code: Type.String({
      pattern: '^[a-z][a-z_]*$',
      maxLength: 64,
      description: 'Stable machine-readable error code (see the error catalogue).',
    }),
    request_id: Type.String({
      pattern: '^[A-Za-z0-9._:-]{8,128}$',
      maxLength: 128,
      description: 'Request id, also sent as X-Request-Id; quote it to support.',
    }),
    trace_id: Type.Optional(
      Type.String({
        pattern: '^[0-9a-f]{32}$',
        description:
          'On 5xx, when the request was traced: the W3C trace id, to find the trace of the failure.',
      }),
    ),
    checks: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 64 }),
        Type.Union([Type.Literal('ok'), Type.Literal('unavailable'), Type.Literal('draining')]),
        {
          description:
            'Readiness only (`GET /readyz`): the state of each dependency, e.g. `{"database": "unavailable"}`.',
        },
      ),
    ),
    errors: Type.Optional(
      Type.Array(
        Type.Object({
          in: Type.Union([
            Type.Literal('body'),
            Type.Literal('query'),
            Type.Literal('path'),
            Type.Literal('header'),
          ]),
          pointer: Type.String({
            ...FREE_TEXT,
            maxLength: 1024,
            description:
              'RFC 6901 JSON pointer to the field. Control and bidirectional-override characters in a name you sent are shown as `\\uXXXX`; a pointer longer than 1024 characters is cut and ends in `…`.',
          }),
          detail: Type.String({ ...FREE_TEXT, maxLength: 1000 }),
        }),
        { description: 'One entry per invalid field (validation_failed only).' },
      ),
    ),
  },
  { $id: 'Problem', title: 'Problem' },
);

const EXAMPLE_BASE = 'http://127.0.0.1:3000';

function exampleOf(code: ProblemCode, instance: string) {
  const definition = problemCatalogue[code];
  return {
    type: `${EXAMPLE_BASE}/problems/${code}`,
    title: definition.title,
    status: definition.status,
    detail: definition.description.split('. ')[0]!.replace(/\.$/, '') + '.',
    instance,
    code,
    request_id: 'req_4f7c1d9e2b8a4c3f9e1d2c3b4a596877',
    ...(code === 'validation_failed'
      ? { errors: [{ in: 'body', pointer: '/email', detail: 'must match format "email"' }] }
      : {}),
  };
}

/**
 * OpenAPI response entries for the given problem codes, grouped by status, each with the shared
 * Problem schema and an example. Every route lists the errors it can answer with.
 */
export function problemResponses(instance: string, ...codes: ProblemCode[]) {
  const byStatus = new Map<number, ProblemCode[]>();
  // Any operation can fail on our side, be refused while a dependency is down or slow, or be
  // refused by a rate limit (platform/rate-limit covers every route).
  const always: ProblemCode[] = [
    'rate_limited',
    'internal_error',
    'service_unavailable',
    'handler_timeout',
  ];
  // Every authenticated route (they all list insufficient_scope) also refuses suspended tenants.
  const authenticated: ProblemCode[] = codes.includes('insufficient_scope')
    ? ['account_suspended']
    : [];
  for (const code of [...codes, ...authenticated, ...always]) {
    const status = problemCatalogue[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, unknown> = {};
  for (const [status, group] of byStatus) {
    responses[status] = {
      description: group.map(problemLine).join('; '),
      content: problemContent(group[0]!, instance),
    };
  }
  return responses;
}

/** One documented problem response, for routes outside the usual set (the health probes). */
export function problemResponse(code: ProblemCode, instance: string, extra: object = {}) {
  return {
    description: problemLine(code),
    content: {
      'application/problem+json': {
        schema: { $ref: 'Problem#' },
        example: { ...exampleOf(code, instance), ...extra },
      },
    },
  };
}

const problemLine = (code: ProblemCode) => `\`${code}\`: ${problemCatalogue[code].title}`;

function problemContent(code: ProblemCode, instance: string) {
  return {
    'application/problem+json': {
      schema: { $ref: 'Problem#' },
      example: exampleOf(code, instance),
    },
  };
}

/**
 * Adds codes to responses built by problemResponses, for platform concerns that add errors to
 * many routes at once (idempotency on every POST): a status already documented gets the code
 * appended to its description, a new status gets its own entry.
 */
export function addProblemResponses(
  responses: Record<string, unknown>,
  instance: string,
  ...codes: ProblemCode[]
): Record<string, unknown> {
  const result = { ...responses };
  for (const code of codes) {
    const status = String(problemCatalogue[code].status);
    const existing = result[status] as { description?: string } | undefined;
    if (existing === undefined) {
      result[status] = { description: problemLine(code), content: problemContent(code, instance) };
    } else if (!existing.description?.includes(`\`${code}\``)) {
      const description = existing.description
        ? `${existing.description}; ${problemLine(code)}`
        : problemLine(code);
      result[status] = { ...existing, description };
    }
  }
  return result;
}
