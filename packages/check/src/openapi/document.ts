import { deref, derefObject, isObject, type JsonObject } from './json.js';

/** A parsed OpenAPI 3.x document and where it came from. */
export interface ApiDocument {
  /** URL or file it was read from. */
  source: string;
  raw: JsonObject;
  /** The `openapi` field, e.g. "3.1.0". */
  openapi: string;
  /** Set when the document was Swagger 2.0, read after conversion to OpenAPI 3.0. */
  convertedFrom?: 'swagger 2.0';
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** A resolved parameter of an operation. */
export interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required: boolean;
  schema: JsonObject | undefined;
}

/** One operation, with references resolved and inherited settings applied. */
export interface Operation {
  document: ApiDocument;
  /** Path as written in the document ("/v1/users/{id}"). */
  path: string;
  /** Lower-case method. */
  method: string;
  /** "GET /v1/users" */
  key: string;
  operationId: string | undefined;
  raw: JsonObject;
  deprecated: boolean;
  parameters: Parameter[];
  requestBody: JsonObject | undefined;
  /** Status code (or "default", "4XX") → resolved response object. */
  responses: Record<string, JsonObject>;
  /** The security requirements in force: the operation's own, else the document's. */
  security: JsonObject[] | undefined;
  /** Where `security` comes from. */
  securitySource: 'operation' | 'document' | 'none';
  tags: string[];
}

function parametersOf(doc: ApiDocument, pathItem: JsonObject, operation: JsonObject): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const list of [pathItem.parameters, operation.parameters]) {
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      const param = derefObject(doc.raw, entry);
      if (!param || typeof param.name !== 'string' || typeof param.in !== 'string') continue;
      const location = param.in as Parameter['in'];
      // An operation-level parameter overrides the path-level one of the same name and place.
      byKey.set(`${location}:${param.name}`, {
        name: param.name,
        in: location,
        required: param.required === true || location === 'path',
        schema: derefObject(doc.raw, param.schema),
      });
    }
  }
  return [...byKey.values()];
}

/** Every operation of the document, in document order. */
export function operationsOf(doc: ApiDocument): Operation[] {
  const paths = isObject(doc.raw.paths) ? doc.raw.paths : {};
  const globalSecurity = Array.isArray(doc.raw.security)
    ? (doc.raw.security as unknown[]).filter(isObject)
    : undefined;
  const operations: Operation[] = [];
  for (const [path, rawItem] of Object.entries(paths)) {
    const pathItem = derefObject(doc.raw, rawItem);
    if (!pathItem) continue;
    for (const method of HTTP_METHODS) {
      const operation = derefObject(doc.raw, pathItem[method]);
      if (!operation) continue;
      const responses: Record<string, JsonObject> = {};
      if (isObject(operation.responses)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const resolved = derefObject(doc.raw, response);
          if (resolved) responses[status] = resolved;
        }
      }
      const ownSecurity = Array.isArray(operation.security)
        ? (operation.security as unknown[]).filter(isObject)
        : undefined;
      operations.push({
        document: doc,
        path,
        method,
        key: `${method.toUpperCase()} ${path}`,
        operationId: typeof operation.operationId === 'string' ? operation.operationId : undefined,
        raw: operation,
        deprecated: operation.deprecated === true,
        parameters: parametersOf(doc, pathItem, operation),
        requestBody: derefObject(doc.raw, operation.requestBody),
        responses,
        security: ownSecurity ?? globalSecurity,
        securitySource: ownSecurity ? 'operation' : globalSecurity ? 'document' : 'none',
        tags: Array.isArray(operation.tags)
          ? operation.tags.filter((t): t is string => typeof t === 'string')
          : [],
      });
    }
  }
  return operations;
}

/** JSON media types of a request body or response (`application/json`, `…+json`). */
export function jsonMedia(
  doc: ApiDocument,
  holder: JsonObject | undefined,
): { type: string; media: JsonObject; schema: JsonObject | undefined }[] {
  if (!holder || !isObject(holder.content)) return [];
  return Object.entries(holder.content)
    .filter(([type]) => /^application\/([\w.-]+\+)?json\b/i.test(type) || type === '*/*')
    .flatMap(([type, media]) =>
      isObject(media) ? [{ type, media, schema: derefObject(doc.raw, media.schema) }] : [],
    );
}

/** Whether the operation is declared public (`security: []` or an empty requirement). */
export function isPublic(operation: Operation): boolean {
  return (
    operation.security !== undefined &&
    (operation.security.length === 0 ||
      operation.security.some((requirement) => Object.keys(requirement).length === 0))
  );
}

/** The path prefix of the document's first server ("/api" of "https://x.test/api"), or "". */
export function serverPrefix(doc: ApiDocument): string {
  const servers = Array.isArray(doc.raw.servers) ? doc.raw.servers : [];
  const first = deref(doc.raw, servers[0]);
  if (!isObject(first) || typeof first.url !== 'string') return '';
  try {
    // Server variables ({region}) cannot be resolved here; keep only what precedes them.
    const url = new URL(first.url.replace(/\{[^}]*\}/g, 'x'), 'http://placeholder.invalid');
    return url.pathname.replace(/\/+$/, '');
  } catch {
    return '';
  }
}
