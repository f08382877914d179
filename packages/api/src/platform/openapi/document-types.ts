/** The parts of an OpenAPI 3.1 document the per-version builder reads and writes. */

export interface HeaderObject {
  description?: string;
  required?: boolean;
  schema?: Record<string, unknown>;
  $ref?: string;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, HeaderObject>;
  content?: Record<string, { schema?: unknown; example?: unknown; examples?: unknown }>;
  links?: Record<
    string,
    { operationId: string; parameters: Record<string, string>; description?: string }
  >;
}

export interface ParameterObject {
  in: string;
  name: string;
  required?: boolean;
  description?: string;
  schema?: Record<string, unknown>;
}

export interface OperationObject {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  deprecated?: boolean;
  security?: Record<string, string[]>[];
  parameters?: ParameterObject[];
  requestBody?: unknown;
  responses: Record<string, ResponseObject>;
}

export type PathItem = Record<string, OperationObject>;

export interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string; description?: string } & Record<string, unknown>;
  servers?: Record<string, unknown>[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, PathItem>;
  components?: Record<string, Record<string, unknown>>;
  security?: Record<string, string[]>[];
  [extension: string]: unknown;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
