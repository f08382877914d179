/**
 * Secret redaction of log lines, by key name, written by hand because pino's own `redact` was the
 * largest single cost of logging: @pinojs/redact (pino 10) parses each path again on every line,
 * and a wildcard path (`*.secret`) sends every key of every line, the message included, through
 * it. Measured (bench/profiles/get-order-*): 8.9 µs of a cached GET's ~225 µs profiled CPU went to
 * redacting the access line, which holds no secret. This walk costs a few property reads on such a
 * line and copies only the objects it censors, so the caller's object is never changed.
 */

/** What a redacted value becomes. */
export const CENSOR = '[redacted]';

/**
 * Key names whose values are never logged, compared in lower case: credential headers and
 * secret-named fields.
 */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api_key',
  'secret',
  'password',
]);

/**
 * Levels searched: a secret key at the top of the line (`password`), one level down
 * (`headers.cookie`) or two (`req.headers.authorization`). Code must not log secrets deeper.
 */
export const REDACTED_DEPTH = 3;

/** Verdicts on the key names seen so far: log lines repeat a few names. Bounded. */
const verdicts = new Map<string, boolean>();
const MAX_VERDICTS = 1_000;

function isSecretKey(key: string): boolean {
  const known = verdicts.get(key);
  if (known !== undefined) return known;
  const secret = SECRET_KEYS.has(key) || SECRET_KEYS.has(key.toLowerCase());
  if (verdicts.size < MAX_VERDICTS) verdicts.set(key, secret);
  return secret;
}

/** Plain objects, arrays and errors are searched; other class instances go to their serializers. */
function searchable(value: object): boolean {
  if (Array.isArray(value) || value instanceof Error) return true;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of an error with the same prototype, message, stack and cause, its own fields copied; a
 * plain object with those fields when the class will not take them (a getter-only `message`).
 */
function copyError(error: Error): Error {
  const fields = { message: error.message, stack: error.stack, cause: error.cause };
  try {
    const copy = Object.create(Object.getPrototypeOf(error) as object) as Error;
    return Object.assign(copy, fields, error);
  } catch {
    return Object.assign({ name: error.name }, fields, error);
  }
}

function redactAt(value: object, level: number): object {
  let copy: Record<string, unknown> | unknown[] | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    const field = source[key];
    let next = field;
    if (field !== undefined && !Array.isArray(value) && isSecretKey(key)) next = CENSOR;
    else if (
      level + 1 < REDACTED_DEPTH &&
      typeof field === 'object' &&
      field !== null &&
      searchable(field)
    )
      next = redactAt(field, level + 1);
    if (next === field) continue;
    copy ??= Array.isArray(value)
      ? [...(value as unknown[])]
      : value instanceof Error
        ? (copyError(value) as unknown as Record<string, unknown>)
        : { ...source };
    (copy as Record<string, unknown>)[key] = next;
  }
  return copy ?? value;
}

/**
 * The log object with every secret-named field in its first REDACTED_DEPTH levels replaced by
 * CENSOR; the same object when there is none (pino `formatters.log` and `formatters.bindings`).
 */
export function redactSecrets<T extends object>(line: T): T {
  return redactAt(line, 0) as T;
}
