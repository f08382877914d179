import { randomUUID } from 'node:crypto';
import { jsonMedia, type ApiDocument, type Operation } from './document.js';
import { deref, isObject, type JsonObject } from './json.js';

/** A request body to send, and whether it came from the document's examples or its schema. */
export interface Sample {
  body: unknown;
  source: 'example' | 'schema';
}

const UNSATISFIABLE = Symbol('unsatisfiable');
type Synth = unknown;

function firstType(schema: JsonObject): string | undefined {
  if (typeof schema.type === 'string') return schema.type;
  if (Array.isArray(schema.type)) {
    return schema.type.find((t): t is string => typeof t === 'string' && t !== 'null');
  }
  if (isObject(schema.properties)) return 'object';
  return undefined;
}

function exampleOf(schema: JsonObject): unknown {
  if (schema.example !== undefined) return schema.example;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  return undefined;
}

function synthesizeString(schema: JsonObject): Synth {
  const format = typeof schema.format === 'string' ? schema.format : undefined;
  const byFormat: Record<string, string> = {
    email: 'steadfast-check@example.com',
    uuid: randomUUID(),
    'date-time': new Date().toISOString(),
    date: new Date().toISOString().slice(0, 10),
    uri: 'https://example.com/steadfast-check',
    url: 'https://example.com/steadfast-check',
  };
  let value = (format && byFormat[format]) ?? 'steadfast-check';
  const min = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const max = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
  if (value.length < min) value = value.padEnd(min, 'x');
  if (value.length > max) value = value.slice(0, max);
  if (typeof schema.pattern === 'string') {
    try {
      if (!new RegExp(schema.pattern, 'u').test(value)) return UNSATISFIABLE;
    } catch {
      return UNSATISFIABLE;
    }
  }
  return value;
}

function synthesizeNumber(schema: JsonObject, integer: boolean): number {
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const exclusiveMin =
    typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  let value = min ?? (exclusiveMin !== undefined ? exclusiveMin + 1 : 1);
  if (max !== undefined && value > max) value = max;
  return integer ? Math.ceil(value) : value;
}

/** A value valid for `schema` (required properties only), or UNSATISFIABLE. */
function synthesize(doc: ApiDocument, node: unknown, depth: number): Synth {
  const schema = deref(doc.raw, node);
  if (!isObject(schema) || depth > 8) return UNSATISFIABLE;
  const example = exampleOf(schema);
  if (example !== undefined) return example;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  if (Array.isArray(schema.allOf)) {
    const properties: JsonObject = {};
    const required: unknown[] = [];
    for (const part of schema.allOf) {
      const resolved = deref(doc.raw, part);
      if (!isObject(resolved)) continue;
      Object.assign(properties, resolved.properties);
      if (Array.isArray(resolved.required)) required.push(...(resolved.required as unknown[]));
    }
    return synthesize(doc, { type: 'object', properties, required }, depth + 1);
  }
  for (const key of ['oneOf', 'anyOf'] as const) {
    const branches: unknown = schema[key];
    if (Array.isArray(branches)) {
      const list = branches as unknown[];
      // "One item or an array of items": the object variant yields a record, an empty array
      // yields nothing. Objects first, then the rest in the document's order.
      const isObjectBranch = (branch: unknown) => {
        const resolved = deref(doc.raw, branch);
        return isObject(resolved) && firstType(resolved) === 'object';
      };
      const ordered = [
        ...list.filter(isObjectBranch),
        ...list.filter((branch) => !isObjectBranch(branch)),
      ];
      for (const branch of ordered) {
        const value = synthesize(doc, branch, depth + 1);
        if (value !== UNSATISFIABLE) return value;
      }
      return UNSATISFIABLE;
    }
  }
  switch (firstType(schema)) {
    case 'object': {
      const properties = isObject(schema.properties) ? schema.properties : {};
      const required = Array.isArray(schema.required) ? schema.required : [];
      const out: JsonObject = {};
      for (const name of required) {
        if (typeof name !== 'string') continue;
        const value = synthesize(doc, properties[name], depth + 1);
        if (value === UNSATISFIABLE) return UNSATISFIABLE;
        out[name] = value;
      }
      return out;
    }
    case 'array': {
      const count = typeof schema.minItems === 'number' ? schema.minItems : 0;
      if (count === 0) return [];
      const item = synthesize(doc, schema.items, depth + 1);
      return item === UNSATISFIABLE ? UNSATISFIABLE : Array.from({ length: count }, () => item);
    }
    case 'string':
      return synthesizeString(schema);
    case 'integer':
      return synthesizeNumber(schema, true);
    case 'number':
      return synthesizeNumber(schema, false);
    case 'boolean':
      return false;
    default:
      return UNSATISFIABLE;
  }
}

/** The JSON body example of an operation (or one built from its schema), if one can be had. */
export function requestSample(operation: Operation): Sample | undefined {
  const [json] = jsonMedia(operation.document, operation.requestBody);
  if (!json) return undefined;
  if (json.media.example !== undefined) return { body: json.media.example, source: 'example' };
  if (isObject(json.media.examples)) {
    for (const entry of Object.values(json.media.examples)) {
      const resolved = deref(operation.document.raw, entry);
      if (isObject(resolved) && resolved.value !== undefined) {
        return { body: resolved.value, source: 'example' };
      }
    }
  }
  if (!json.schema) return undefined;
  const fromSchemaExample = exampleOf(json.schema);
  if (fromSchemaExample !== undefined) return { body: fromSchemaExample, source: 'example' };
  const built = synthesize(operation.document, json.schema, 0);
  return built === UNSATISFIABLE ? undefined : { body: built, source: 'schema' };
}

/** Property names that usually carry a uniqueness constraint (a second create with the same
 *  value is refused with 409). */
const UNIQUE_NAMES =
  /^(username|user_name|userName|login|handle|slug|name|key|code|sku|identifier|external_?id|externalId|title|label|domain|subdomain|hostname|path)$/i;

/**
 * The body with values that are usually unique per account made unique for this run, so that
 * creating twice (or again next week) is not refused as a duplicate: emails get a `+tag`, and
 * strings with a uniqueness hint in their name (name, key, code, slug, username…) a suffix.
 */
export function uniquify(body: unknown, nonce: string): unknown {
  if (Array.isArray(body)) return body.map((item) => uniquify(item, nonce));
  if (!isObject(body)) return body;
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string' && /^[^@\s]+@[^@\s]+$/.test(value)) {
      const [local, domain] = value.split('@') as [string, string];
      out[name] = `${local.split('+')[0]}+sc${nonce}@${domain}`;
    } else if (typeof value === 'string' && UNIQUE_NAMES.test(name)) {
      out[name] = `${value}-${nonce}`;
    } else {
      out[name] = uniquify(value, nonce);
    }
  }
  return out;
}
