import type { ApiDocument } from './document.js';
import { deref, isObject, type JsonObject } from './json.js';

/** Called for every (resolved) schema node, with a readable location such as `body.items[].sku`. */
export type SchemaVisitor = (schema: JsonObject, location: string) => void;

/**
 * Visits `node` and every schema nested in it (properties, items, additionalProperties,
 * allOf/oneOf/anyOf), resolving references and visiting each schema object once.
 */
export function walkSchema(
  doc: ApiDocument,
  node: unknown,
  location: string,
  visit: SchemaVisitor,
  seen: Set<JsonObject> = new Set(),
): void {
  const schema = deref(doc.raw, node);
  if (!isObject(schema) || seen.has(schema)) return;
  seen.add(schema);
  visit(schema, location);
  if (isObject(schema.properties)) {
    for (const [name, property] of Object.entries(schema.properties)) {
      walkSchema(doc, property, `${location}.${name}`, visit, seen);
    }
  }
  if (schema.items !== undefined) walkSchema(doc, schema.items, `${location}[]`, visit, seen);
  if (Array.isArray(schema.prefixItems)) {
    schema.prefixItems.forEach((item, i) =>
      walkSchema(doc, item, `${location}[${i}]`, visit, seen),
    );
  }
  if (isObject(schema.additionalProperties)) {
    walkSchema(doc, schema.additionalProperties, `${location}{*}`, visit, seen);
  }
  for (const key of ['allOf', 'oneOf', 'anyOf'] as const) {
    const branches = schema[key];
    if (Array.isArray(branches)) {
      for (const branch of branches) walkSchema(doc, branch, location, visit, seen);
    }
  }
}

/** The types a schema admits ("string", "null", …); empty when it does not say. */
export function typesOf(schema: JsonObject): string[] {
  if (typeof schema.type === 'string') return [schema.type];
  if (Array.isArray(schema.type))
    return schema.type.filter((t): t is string => typeof t === 'string');
  return [];
}
