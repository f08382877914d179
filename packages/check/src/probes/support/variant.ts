import type { Operation } from '../../openapi/document.js';
import { jsonMedia } from '../../openapi/document.js';
import { derefObject, isObject, type JsonObject } from '../../openapi/json.js';

/**
 * The same body with one free-text field changed, so it is still valid but no longer the same
 * request (for "same Idempotency-Key, different body"). Fields with an enum, const, format or
 * pattern are left alone: changing them could make the body invalid. Undefined when no field
 * can be changed safely.
 */
export function variantOf(body: unknown, operation: Operation | undefined): unknown {
  if (!isObject(body)) return undefined;
  const [json] = operation ? jsonMedia(operation.document, operation.requestBody) : [];
  const properties = isObject(json?.schema?.properties) ? json.schema.properties : undefined;
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string') continue;
    const schema: JsonObject | undefined =
      operation && properties ? derefObject(operation.document.raw, properties[name]) : undefined;
    if (operation && !schema) continue;
    if (schema && ['enum', 'const', 'format', 'pattern'].some((key) => schema[key] !== undefined))
      continue;
    const max = typeof schema?.maxLength === 'number' ? schema.maxLength : Infinity;
    const changed =
      value.length + 2 <= max ? `${value} 2` : value.length > 1 ? value.slice(0, -1) : undefined;
    if (changed !== undefined && changed !== value) return { ...body, [name]: changed };
  }
  for (const [name, value] of Object.entries(body)) {
    if (typeof value === 'string' && /^[^@\s]+@[^@\s]+$/.test(value)) {
      return { ...body, [name]: value.replace('@', '+2@') };
    }
  }
  return undefined;
}
