import { jsonMedia, type Operation } from '../../openapi/document.js';
import { deref, isObject, type JsonObject } from '../../openapi/json.js';
import type { Probe } from '../context.js';
import { fail, pass } from '../outcome.js';
import { listed } from '../support/targets.js';
import { withoutDocument } from '../support/document.js';

const ERROR_STATUS = /^([45]\d\d|[45]XX|default)$/i;

/** Property names of a schema, with allOf parts merged. */
function propertyNames(operation: Operation, node: unknown, depth = 0): Set<string> {
  const schema = deref(operation.document.raw, node);
  const names = new Set<string>();
  if (!isObject(schema) || depth > 8) return names;
  if (isObject(schema.properties))
    for (const name of Object.keys(schema.properties)) names.add(name);
  if (Array.isArray(schema.allOf)) {
    for (const part of schema.allOf)
      for (const name of propertyNames(operation, part, depth + 1)) names.add(name);
  }
  return names;
}

/** Why a documented error response is not a problem document, or undefined when it is. */
function problemGap(operation: Operation, response: JsonObject): string | undefined {
  if (!isObject(response.content) || Object.keys(response.content).length === 0)
    return 'no body schema';
  if (
    Object.keys(response.content).some((type) => type.toLowerCase() === 'application/problem+json')
  ) {
    return undefined;
  }
  const json = jsonMedia(operation.document, response);
  const problemLike = json.some(({ schema }) => {
    const names = propertyNames(operation, schema);
    return names.has('status') && (names.has('title') || names.has('type'));
  });
  return problemLike
    ? undefined
    : `${Object.keys(response.content).join(', ')} without a problem schema (type, title, status)`;
}

export const errorResponses: Probe = {
  id: 'spec.error-responses',
  title: '4xx/5xx documented with a problem schema',
  section: 'documented',
  kind: 'static',
  writes: false,
  rationale:
    'Clients handle the errors they know about: every operation must document how it fails, in one problem+json shape.',
  fix: 'Document each operation’s 4xx and 5xx responses (or `default`) with content application/problem+json and a shared Problem schema.',
  plan: ['reads the OpenAPI document'],
  async run(ctx) {
    const none = withoutDocument(ctx);
    if (none) return none;
    const gaps: string[] = [];
    for (const op of ctx.catalog.operations) {
      const errors = Object.entries(op.responses).filter(([status]) => ERROR_STATUS.test(status));
      if (errors.length === 0) {
        gaps.push(`${op.key}: documents no 4xx/5xx response`);
        continue;
      }
      for (const [status, response] of errors) {
        const gap = problemGap(op, response);
        if (gap) gaps.push(`${op.key} ${status}: ${gap}`);
      }
    }
    const total = ctx.catalog.operations.length;
    const unique = [...new Set(gaps)];
    if (unique.length === 0)
      return pass(`all ${total} operations document their errors as problems`);
    return fail(`${unique.length} gap(s) in the documented errors`, listed(unique));
  },
};
