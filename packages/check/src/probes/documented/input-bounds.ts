import { jsonMedia, type Operation } from '../../openapi/document.js';
import type { JsonObject } from '../../openapi/json.js';
import { typesOf, walkSchema } from '../../openapi/schema-walk.js';
import type { Probe } from '../context.js';
import { fail, pass } from '../outcome.js';
import { listed } from '../support/targets.js';
import { withoutDocument } from '../support/document.js';

/** Formats whose grammar has a fixed length. (date-time does not: its fraction is unbounded.) */
const FIXED_FORMATS = new Set(['uuid', 'date']);

/** An anchored pattern with only bounded quantifiers limits the length by itself. */
export function patternIsBounded(pattern: string): boolean {
  const unescaped = pattern.replace(/\\./g, 'x');
  if (!unescaped.startsWith('^') || !unescaped.endsWith('$')) return false;
  if (/[*+]|\{\d*,\}/.test(unescaped)) return false;
  // ^a|b$ anchors each alternative at one end only.
  return !unescaped.includes('|') || /^\^\(.*\)\$$/.test(unescaped);
}

function hasAny(schema: JsonObject, keys: string[]): boolean {
  return keys.some((key) => schema[key] !== undefined);
}

/** What is unbounded about one schema node of an input. */
function gapsOf(schema: JsonObject, inBody: boolean): string[] {
  if (hasAny(schema, ['enum', 'const'])) return [];
  const types = typesOf(schema);
  const gaps: string[] = [];
  if (types.includes('string')) {
    const bounded =
      schema.maxLength !== undefined ||
      (typeof schema.format === 'string' && FIXED_FORMATS.has(schema.format)) ||
      (typeof schema.pattern === 'string' && patternIsBounded(schema.pattern));
    if (!bounded) gaps.push('string without maxLength');
  }
  if (types.includes('integer') || types.includes('number')) {
    if (!hasAny(schema, ['maximum', 'exclusiveMaximum']))
      gaps.push(`${types.includes('integer') ? 'integer' : 'number'} without maximum`);
    if (!hasAny(schema, ['minimum', 'exclusiveMinimum']))
      gaps.push(`${types.includes('integer') ? 'integer' : 'number'} without minimum`);
  }
  if (types.includes('array') && schema.maxItems === undefined) gaps.push('array without maxItems');
  const isObjectSchema =
    types.includes('object') || (types.length === 0 && schema.properties !== undefined);
  if (inBody && isObjectSchema) {
    const closed = schema.additionalProperties === false || schema.unevaluatedProperties === false;
    const boundedMap =
      typeof schema.additionalProperties === 'object' && schema.maxProperties !== undefined;
    if (!closed && !boundedMap) {
      gaps.push(
        typeof schema.additionalProperties === 'object'
          ? 'map without maxProperties'
          : 'object without additionalProperties: false',
      );
    }
  }
  return gaps;
}

/** Unbounded places in an operation's parameters and JSON request body. */
export function unboundedInputs(operation: Operation): string[] {
  const found: string[] = [];
  const visitAt = (inBody: boolean) => (schema: JsonObject, location: string) => {
    for (const gap of gapsOf(schema, inBody)) found.push(`${operation.key} ${location}: ${gap}`);
  };
  for (const param of operation.parameters) {
    walkSchema(operation.document, param.schema, `${param.in}.${param.name}`, visitAt(false));
  }
  for (const { schema } of jsonMedia(operation.document, operation.requestBody)) {
    walkSchema(operation.document, schema, 'body', visitAt(true));
  }
  return found;
}

export const inputBounds: Probe = {
  id: 'spec.input-bounds',
  title: 'Inputs bounded (maxLength, additionalProperties…)',
  section: 'documented',
  kind: 'static',
  writes: false,
  rationale:
    'Every input without a bound is a way to send the server more than it planned for; closed objects make unknown fields an error instead of a surprise.',
  fix: 'Give every input string maxLength (or enum/const, or an anchored fixed-length pattern), numbers minimum/maximum, arrays maxItems, and body objects additionalProperties: false.',
  plan: ['reads the OpenAPI document'],
  async run(ctx) {
    const none = withoutDocument(ctx);
    if (none) return none;
    const gaps = [...new Set(ctx.catalog.operations.flatMap(unboundedInputs))];
    if (gaps.length === 0)
      return pass(`every input of ${ctx.catalog.operations.length} operations is bounded`);
    return fail(`${gaps.length} unbounded input(s)`, listed(gaps));
  },
};
