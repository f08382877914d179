import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { declareProblems } from '../errors/declared-problems.js';
import { isEmail } from './email.js';
import { refusingNonFinite } from './finite-numbers.js';

const shared: Options = {
  allErrors: true,
  // Unknown fields are rejected (schemas say additionalProperties: false), never silently dropped.
  removeAdditional: false,
  useDefaults: true,
  strict: true,
  strictTypes: false,
};

function build(options: Options): Ajv {
  const ajv = new Ajv({ ...shared, ...options });
  addFormats.default(ajv, ['date-time', 'uri']);
  // Our own rule, also published as the schemas' `pattern` (email.ts).
  ajv.addFormat('email', isEmail);
  // OpenAPI annotations that may sit in our schemas.
  ajv.addKeyword({ keyword: 'example' });
  return ajv;
}

/**
 * Bodies are JSON and must have the right types (`"5"` is not a number); query strings, path
 * parameters and headers are text by nature and are coerced to the schema's types. Neither may
 * hold a non-finite number (finite-numbers.ts).
 */
export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const strictAjv = build({ coerceTypes: false });
  const coercingAjv = build({ coerceTypes: 'array' });
  return ({ schema, httpPart }) =>
    refusingNonFinite(
      (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema as object),
    ) as ReturnType<FastifySchemaCompiler<unknown>>;
}

/**
 * Validates every request against its route's schema: sets the compiler above and documents
 * `validation_failed` on each route that has a schema for its body, query, path or headers.
 */
export function validateRequests(app: FastifyInstance): void {
  app.setValidatorCompiler(createValidatorCompiler());
  declareProblems(app, ({ schema }) =>
    schema?.body || schema?.querystring || schema?.params || schema?.headers
      ? ['validation_failed']
      : [],
  );
}
