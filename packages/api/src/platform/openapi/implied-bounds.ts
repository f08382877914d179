/**
 * States in the document bounds the schemas already imply, so generated clients and linters see
 * them without the validation schemas changing (v1's validation is frozen, error for error):
 * - an anchored pattern that bounds the length (`^usr_[0-9a-z]{26}$`, `^pm_[a-z_]{1,60}$`) gets
 *   its longest match as `maxLength`;
 * - an RFC 3339 `date-time` gets `maxLength: 35` (the longest form the API ever sends:
 *   nanoseconds and an offset; longer inputs are pathological);
 * - an integer gets `format: int32` when its bounds fit 32 bits, else `int64`.
 */

const RFC3339_MAX_LENGTH = 35;
const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };

/** The longest string one element of a pattern matches (a class, an escape, a literal, a group). */
function atomLength(body: string, i: number): { length: number; next: number } | undefined {
  const char = body[i]!;
  if (char === '[') {
    const end = body.indexOf(']', i + 1);
    return end === -1 ? undefined : { length: 1, next: end + 1 };
  }
  if (char === '\\') {
    // \d, \w, \s… are fine too: each matches one character.
    return i + 1 < body.length ? { length: 1, next: i + 2 } : undefined;
  }
  if (char === '(') {
    const end = body.indexOf(')', i + 1);
    if (end === -1) return undefined;
    const alternatives = body.slice(i + 1, end).split('|');
    let longest = 0;
    for (const alternative of alternatives) {
      const length = maxLengthOfBody(alternative);
      if (length === undefined) return undefined;
      longest = Math.max(longest, length);
    }
    return { length: longest, next: end + 1 };
  }
  if ('|)?*+.{}^$'.includes(char)) return undefined;
  return { length: 1, next: i + 1 };
}

function maxLengthOfBody(body: string): number | undefined {
  let length = 0;
  let i = 0;
  while (i < body.length) {
    const atom = atomLength(body, i);
    if (atom === undefined) return undefined;
    i = atom.next;
    const count = /^\{(?:\d+,)?(\d+)\}/.exec(body.slice(i));
    if (count) {
      length += atom.length * Number(count[1]);
      i += count[0].length;
    } else if ('?'.includes(body[i] ?? '-')) {
      length += atom.length;
      i += 1;
    } else if ('*+{'.includes(body[i] ?? '-')) {
      return undefined;
    } else {
      length += atom.length;
    }
  }
  return length;
}

/**
 * The longest string an anchored pattern matches, or undefined when unbounded or beyond what
 * this understands (nested groups). Covers what our patterns use: literals, escapes, classes,
 * one level of `(a|b)` groups, `?` and `{n}` / `{m,n}`.
 */
export function maxLengthOf(pattern: string): number | undefined {
  const body = /^\^(.*)\$$/.exec(pattern)?.[1];
  return body === undefined ? undefined : maxLengthOfBody(body);
}

function bound(schema: Record<string, unknown>) {
  if (schema.type === 'string' && schema.maxLength === undefined) {
    const length = typeof schema.pattern === 'string' ? maxLengthOf(schema.pattern) : undefined;
    if (length !== undefined) schema.maxLength = length;
    else if (schema.format === 'date-time') schema.maxLength = RFC3339_MAX_LENGTH;
  }
  if (schema.type === 'integer' && schema.format === undefined) {
    const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
    const fits =
      minimum !== undefined &&
      maximum !== undefined &&
      minimum >= INT32.min &&
      maximum <= INT32.max;
    schema.format = fits ? 'int32' : 'int64';
  }
}

/** Applies the implied bounds to every schema in `node`, in place. */
export function stateImpliedBounds(node: unknown): void {
  if (Array.isArray(node)) {
    for (const item of node) stateImpliedBounds(item);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const object = node as Record<string, unknown>;
  bound(object);
  for (const [key, value] of Object.entries(object)) {
    // Examples are data, not schemas: a property named `type` in one is left alone.
    if (key === 'example' || key === 'examples') continue;
    stateImpliedBounds(value);
  }
}
