import type { FastifySchemaValidationError } from 'fastify';
import type { FieldError } from './api-error.js';
import { safeEcho } from './echo.js';

/** The documented maximum length of `errors[].pointer` (problem-schema.ts). */
export const MAX_POINTER_LENGTH = 1024;

const LOCATIONS: Record<string, FieldError['in']> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/** RFC 6901: `~` and `/` inside a property name are escaped in a JSON pointer. */
function escapePointerToken(token: string): string {
  return token.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Turns Ajv's errors into one entry per offending field, with a pointer a client can act on. */
export function toFieldErrors(
  errors: FastifySchemaValidationError[],
  context: string | undefined,
): FieldError[] {
  const location = LOCATIONS[context ?? 'body'] ?? 'body';
  const seen = new Set<string>();
  const result: FieldError[] = [];
  // A string with both a format and the pattern that states it (the email rule) fails both at
  // once; the format's message says it in words, so the pattern's is left out.
  const formatFailed = new Set(
    errors.filter((error) => error.keyword === 'format').map((error) => error.instancePath),
  );
  for (const error of errors) {
    if (error.keyword === 'pattern' && formatFailed.has(error.instancePath)) continue;
    const params = error.params;
    let pointer = error.instancePath;
    let detail = error.message ?? 'is invalid';
    if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
      pointer += `/${escapePointerToken(params.missingProperty)}`;
      detail = 'is required';
    } else if (
      error.keyword === 'additionalProperties' &&
      typeof params.additionalProperty === 'string'
    ) {
      pointer += `/${escapePointerToken(params.additionalProperty)}`;
      detail = 'is not a known field';
    }
    // Names come from the client (unknown fields and parameters): escaped, never echoed raw.
    pointer = safeEcho(pointer, MAX_POINTER_LENGTH);
    const key = `${pointer}\u0000${detail}`;
    if (seen.has(key)) continue;
    seen.add(key);
    result.push({ in: location, pointer, detail });
  }
  return result;
}
