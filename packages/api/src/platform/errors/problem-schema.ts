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

/** The problems documented on one route: those platform hooks declared first, then the route's own. */
interface ProblemList {
  instance: string;
  declared: ProblemCode[];
  own: ProblemCode[];
  /** Statuses that a later addition brought with its own example instance (as published). */
  instanceOfStatus?: Map<number, string>;
}

/** Which list each generated response entry came from, so hooks can add to it at onRoute time. */
const listOfEntry = new WeakMap<object, ProblemList>();

/** One entry per status: its codes in the description, the first one's example. */
function responseEntries(list: ProblemList): Record<number, unknown> {
  const byStatus = new Map<number, ProblemCode[]>();
  for (const code of [...list.declared, ...list.own]) {
    const status = problemCatalogue[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, unknown> = {};
  for (const [status, group] of byStatus) {
    const entry = {
      description: group.map(problemLine).join('; '),
      content: problemContent(group[0]!, list.instanceOfStatus?.get(status) ?? list.instance),
    };
    listOfEntry.set(entry, list);
    responses[status] = entry;
  }
  return responses;
}

/**
 * OpenAPI response entries for the given problem codes, grouped by status, each with the shared
 * Problem schema and an example. A route lists the errors of its own logic; the platform hooks that
 * can refuse it add theirs (declared-problems.ts).
 */
export function problemResponses(instance: string, ...codes: ProblemCode[]) {
  // Any operation can fail on our side, be refused while a dependency is down or slow, or be
  // refused by a rate limit (platform/rate-limit covers every route).
  const always: ProblemCode[] = [
    'rate_limited',
    'internal_error',
    'service_unavailable',
    'handler_timeout',
  ];
  return responseEntries({ instance, declared: [], own: [...codes, ...always] });
}

/**
 * Adds codes to a route's responses: `declared` ones (a platform hook's) go after those declared
 * before them and ahead of the route's own, so each status shows the hook's problem first; the
 * others go last. Entries not built by problemResponses are kept as they are.
 */
function withCodes(
  responses: Record<string, unknown>,
  instance: string,
  codes: readonly ProblemCode[],
  place: 'declared' | 'own',
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  let found: ProblemList | undefined;
  for (const [status, entry] of Object.entries(responses)) {
    const list = typeof entry === 'object' && entry !== null ? listOfEntry.get(entry) : undefined;
    if (list === undefined) kept[status] = entry;
    else found = list;
  }
  const list: ProblemList = found ? { ...found } : { instance, declared: [], own: [] };
  const fresh = codes.filter((code) => !list.declared.includes(code) && !list.own.includes(code));
  if (place === 'declared') list.declared = [...list.declared, ...fresh];
  else {
    const documented = new Set([...list.declared, ...list.own].map(statusOf));
    list.instanceOfStatus = new Map(list.instanceOfStatus);
    for (const code of fresh)
      if (!documented.has(statusOf(code))) list.instanceOfStatus.set(statusOf(code), instance);
    list.own = [...list.own, ...fresh];
  }
  return { ...kept, ...responseEntries(list) };
}

/** Adds a platform hook's problems to a route's responses, ahead of the route's own. */
export function declareProblemResponses(
  responses: Record<string, unknown>,
  instance: string,
  ...codes: ProblemCode[]
): Record<string, unknown> {
  return withCodes(responses, instance, codes, 'declared');
}

/**
 * Adds codes after a route's own, for concerns that add errors to many routes at once after the
 * route's own logic (idempotency on every POST).
 */
export function addProblemResponses(
  responses: Record<string, unknown>,
  instance: string,
  ...codes: ProblemCode[]
): Record<string, unknown> {
  return withCodes(responses, instance, codes, 'own');
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

const statusOf = (code: ProblemCode) => problemCatalogue[code].status;
const problemLine = (code: ProblemCode) => `\`${code}\`: ${problemCatalogue[code].title}`;

function problemContent(code: ProblemCode, instance: string) {
  return {
    'application/problem+json': {
      schema: { $ref: 'Problem#' },
      example: exampleOf(code, instance),
    },
  };
}
