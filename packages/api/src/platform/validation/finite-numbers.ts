import type { ErrorObject, ValidateFunction } from 'ajv';

/** RFC 6901 escaping of one pointer token. */
const token = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** JSON pointers of every non-finite number (±Infinity, NaN) in `value`. */
export function nonFinitePointers(value: unknown, at = ''): string[] {
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [at];
  if (Array.isArray(value))
    return value.flatMap((item, i) => nonFinitePointers(item, `${at}/${i}`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) =>
      nonFinitePointers(item, `${at}/${token(key)}`),
    );
  }
  return [];
}

/**
 * Ajv coerces the query strings "Infinity", "-Infinity" and "1e999" to ±Infinity and then skips
 * every numeric keyword for the value (minimum, maximum and multipleOf apply to finite numbers
 * only), so `?limit=Infinity` passed `maximum: 100`. No input of this API may be non-finite:
 * after Ajv accepts a value, any non-finite number left in it is a validation error at its pointer.
 */
export function refusingNonFinite(validate: ValidateFunction): ValidateFunction {
  const wrapped = ((data: unknown) => {
    if (!validate(data)) {
      wrapped.errors = validate.errors;
      return false;
    }
    const errors: ErrorObject[] = nonFinitePointers(data).map((instancePath) => ({
      instancePath,
      schemaPath: '#',
      keyword: 'type',
      params: {},
      message: 'must be a finite number',
    }));
    wrapped.errors = errors.length > 0 ? errors : null;
    return errors.length === 0;
  }) as ValidateFunction;
  wrapped.schema = validate.schema;
  wrapped.schemaEnv = validate.schemaEnv;
  return wrapped;
}
