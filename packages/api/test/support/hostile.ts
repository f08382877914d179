import fc from 'fast-check';

/**
 * fast-check arbitraries for hostile HTTP input, driven by the OpenAPI document: valid-looking
 * values where a schema says what is valid, and everything a careless or malicious client sends
 * where it does not (wrong types, nulls, huge or deep values, unknown fields, prototype keys).
 */

export interface JsonSchema {
  type?: string | string[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  required?: string[];
  examples?: unknown[];
}

/** Real ids of the fuzzing tenant by prefix (`usr`, `ord`), so some requests reach real rows. */
export type KnownIds = Record<string, string[]>;

const printableAscii = fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c));

/** Text that can travel in a header value. */
export const headerText = fc.string({ unit: printableAscii, maxLength: 200 });

/** Any well-formed Unicode text (graphemes, so URL encoding never meets a lone surrogate). */
export const unicodeText = fc.string({ unit: 'grapheme', maxLength: 40 });

const hugeText = fc.integer({ min: 1_000, max: 120_000 }).map((n) => 'x'.repeat(n));

/**
 * Numbers as text that a lenient parser turns into a non-finite or out-of-range number (Ajv
 * coerces "Infinity" and "1e999" to Infinity), for query values and headers.
 */
export const numericEdgeText = fc.constantFrom(
  'Infinity',
  '-Infinity',
  '+Infinity',
  '1e999',
  '-1e999',
  'NaN',
  '1e309',
  '9007199254740993',
  '1e20',
  '-0',
  '0x10',
);

/** Non-finite numbers: bodies carry them as `1e999` / `-1e999`, which JSON.parse reads as ±Infinity. */
export const nonFiniteNumber = fc.constantFrom(
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  Number.NaN,
);

const NON_FINITE_MARK = '\u0001non-finite\u0001';

/**
 * JSON text of `value`, writing non-finite numbers as the literals `1e999` / `-1e999` (valid JSON
 * that parses to ±Infinity) instead of JSON.stringify's `null`.
 */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'number' && !Number.isFinite(item)
      ? `${NON_FINITE_MARK}${item < 0 ? '-' : '+'}`
      : item,
  ).replace(/"\\u0001non-finite\\u0001([+-])"/g, (_match, sign: string) =>
    sign === '-' ? '-1e999' : '1e999',
  );
}

/** A value of any JSON type, including the awkward ones. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant(null),
  unicodeText,
  hugeText,
  fc.integer(),
  fc.double(),
  nonFiniteNumber,
  fc.boolean(),
  fc.constantFrom('', ' ', '0', '-1', 'null', 'true', '1e309', '\u0000', 'usr_', 'ord_'),
  fc.integer({ min: 1, max: 50 }).map((n) => JSON.parse('['.repeat(n) + ']'.repeat(n)) as unknown),
);

function idPrefix(pattern: string | undefined): string | undefined {
  return pattern ? /^\^([a-z]+)_/.exec(pattern)?.[1] : undefined;
}

/** A value that satisfies `schema` (as far as these keywords go), preferring real ids. */
export function validValue(schema: JsonSchema, ids: KnownIds): fc.Arbitrary<unknown> {
  // An id field mostly gets one of the tenant's real ids, so requests get past existence checks.
  const real = ids[idPrefix(schema.pattern) ?? ''] ?? [];
  if (real.length > 0) {
    return fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...real) },
      { weight: 1, arbitrary: fc.stringMatching(new RegExp(schema.pattern!)) },
    );
  }
  // Documented examples are valid by definition (and cover rules no keyword states, like ISO 4217).
  if (schema.examples && schema.examples.length > 0) {
    const { examples, ...rest } = schema;
    return fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom(...examples) },
      { weight: 1, arbitrary: validValue(rest, ids) },
    );
  }
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => validValue(s, ids)));
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string': {
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'date-time')
        return fc
          .date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      const min = schema.minLength ?? 0;
      const max = Math.min(schema.maxLength ?? 40, 40);
      if (!schema.pattern) return fc.string({ unit: 'grapheme', minLength: min, maxLength: max });
      return fc
        .stringMatching(new RegExp(schema.pattern))
        .filter((s) => s.length >= min && s.length <= (schema.maxLength ?? Infinity));
    }
    case 'integer':
    case 'number':
      return fc.integer({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6 });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(validValue(schema.items ?? {}, ids), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case 'object':
      return validObject(schema, ids);
    default:
      return hostileValue;
  }
}

/** An object `schema` accepts: optional fields sometimes left out, no unknown ones. */
export function validObject(schema: JsonSchema, ids: KnownIds): fc.Arbitrary<unknown> {
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) =>
    required.has(name)
      ? validValue(property, ids).map((v) => [[name, v] as const])
      : fc
          .option(
            validValue(property, ids).map((v) => [name, v] as const),
            { nil: undefined },
          )
          .map((entry) => (entry ? [entry] : [])),
  );
  return fc.tuple(...fields).map((entries) => Object.fromEntries(entries.flat()));
}

/**
 * An object shaped by `schema`: each documented field is left out, valid, or replaced by a
 * hostile value; unknown fields are sometimes added. Mostly-valid objects get past the first
 * check, so later checks (and the database) see hostile input too.
 */
export function schemaObject(schema: JsonSchema, ids: KnownIds): fc.Arbitrary<unknown> {
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) =>
    fc
      .oneof(
        { weight: 10, arbitrary: validValue(property, ids).map((v) => [name, v] as const) },
        { weight: 1, arbitrary: hostileValue.map((v) => [name, v] as const) },
        { weight: 1, arbitrary: fc.constant(undefined) },
      )
      .map((entry) => (entry ? [entry] : [])),
  );
  const extra = fc.array(fc.tuple(unicodeText, hostileValue), { maxLength: 2 });
  return fc
    .tuple(fc.tuple(...fields), fc.oneof({ weight: 4, arbitrary: fc.constant([]) }, extra))
    .map(([known, unknown]) => Object.fromEntries([...known.flat(), ...unknown]));
}

const PROTO_KEYS = [
  '"__proto__":{"polluted":"yes"}',
  '"constructor":{"prototype":{"polluted":"yes"}}',
  '"\\u005f_proto__":{"polluted":"yes"}',
];

/** Adds a prototype-pollution key to the top level of a JSON object text. */
function withProtoKey(text: string, key: string): string {
  return text === '{}' ? `{${key}}` : text.replace(/^\{/, `{${key},`);
}

/** A request body as text (undefined = no body), from plausible to absurd. */
export function hostileBody(schema: JsonSchema | undefined, ids: KnownIds) {
  const shaped = schema ? schemaObject(schema, ids) : fc.jsonValue({ maxDepth: 2 });
  return fc.oneof(
    { weight: 8, arbitrary: shaped.map(toJsonText) },
    ...(schema ? [{ weight: 4, arbitrary: validObject(schema, ids).map(toJsonText) }] : []),
    { weight: 2, arbitrary: fc.jsonValue().map((v) => JSON.stringify(v)) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(shaped, fc.constantFrom(...PROTO_KEYS))
        .map(([v, key]) => withProtoKey(toJsonText(v), key)),
    },
    {
      weight: 1,
      arbitrary: fc
        .integer({ min: 15, max: 5_000 })
        .map((n) => '{"a":'.repeat(n) + 'null' + '}'.repeat(n)),
    },
    { weight: 1, arbitrary: hugeText.map((x) => JSON.stringify({ name: x, email: x })) },
    { weight: 1, arbitrary: unicodeText },
    { weight: 1, arbitrary: fc.constantFrom('', 'null', '[]', '{', '{"a":1,}', '\u0000') },
    { weight: 1, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: shaped.map((v) => withInvalidUtf8(JSON.stringify(v))) },
  );
}

/** Byte sequences that are not UTF-8: a stray continuation byte, an overlong "/", 0xFF, and an encoded surrogate. */
const NOT_UTF8 = [[0x80], [0xc0, 0xaf], [0xff], [0xed, 0xa0, 0x80]];

/**
 * The JSON text as bytes with an invalid UTF-8 sequence inside its first string (or appended),
 * as a client sending Latin-1 or mangled bytes would: JSON is UTF-8 (RFC 8259), so the API must
 * answer 400 malformed_json, never store U+FFFD in place of the bytes (issue 14, defect 5).
 */
export function withInvalidUtf8(text: string): Buffer {
  const bytes = NOT_UTF8[text.length % NOT_UTF8.length]!;
  const at = text.indexOf('"') + 1;
  const utf8 = Buffer.from(text);
  const cut = at > 0 ? Buffer.byteLength(text.slice(0, at)) : utf8.length;
  return Buffer.concat([utf8.subarray(0, cut), Buffer.from(bytes), utf8.subarray(cut)]);
}

/** Declared charsets other than UTF-8, which JSON bodies must not use (RFC 8259 §8.1). */
export const FOREIGN_CHARSETS = ['utf-16', 'UTF-16LE', 'latin1', 'iso-8859-1', 'ebcdic', 'cp037'];

export const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/json; charset=latin1',
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...FOREIGN_CHARSETS).map((c) => `application/json; charset=${c}`),
  },
);

/** A documented query parameter, as the OpenAPI document lists it. */
export interface QueryParameter {
  name: string;
  schema?: JsonSchema;
}

const encodePairs = (pairs: (readonly [string, string])[]) =>
  pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

/**
 * A query string (undefined = none): documented parameters with valid values, or up to 40 pairs
 * of documented, unknown and prototype names with odd values (past MAX_QUERY_PARAMS at times).
 */
export function hostileQuery(documented: QueryParameter[], ids: KnownIds) {
  const plausible =
    documented.length > 0
      ? fc
          .array(
            fc.constantFrom(...documented).chain((p) => {
              const valid = validValue(p.schema ?? {}, ids).map(String);
              // A numeric parameter sometimes gets "Infinity", "1e999", or one out of range.
              const numeric = p.schema?.type === 'integer' || p.schema?.type === 'number';
              return (numeric ? fc.oneof(valid, numericEdgeText) : valid).map(
                (v) => [p.name, v] as const,
              );
            }),
            { maxLength: 3 },
          )
          .map(encodePairs)
      : fc.constant(undefined);
  const name = fc.oneof(
    {
      weight: 3,
      arbitrary:
        documented.length > 0 ? fc.constantFrom(...documented.map((p) => p.name)) : unicodeText,
    },
    { weight: 2, arbitrary: unicodeText },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        '__proto__',
        '__proto__[polluted]',
        'constructor[prototype][polluted]',
        'limit[]',
        'a.b',
      ),
    },
  );
  const value = fc.oneof(
    unicodeText,
    fc.integer().map(String),
    numericEdgeText,
    hugeText.map((x) => x.slice(0, 3000)),
  );
  const hostile = fc.array(fc.tuple(name, value), { maxLength: 40 }).map(encodePairs);
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: plausible },
    { weight: 2, arbitrary: hostile },
  );
}

/** Optional request headers the API reads, with hostile values. */
export const hostileHeaders = fc.record(
  {
    'if-match': fc.oneof(headerText, fc.constantFrom('*', '"v1"', 'W/"v1"', '"v999999999999"')),
    'if-none-match': fc.oneof(headerText, fc.constantFrom('*', '"v1"')),
    'x-request-id': headerText,
    'idempotency-key': headerText,
    accept: fc.oneof(headerText, fc.constantFrom('application/xml', '*/*', 'text/html')),
  },
  { requiredKeys: [] },
);

/** A path parameter: a real id, a well-formed unknown one, or junk. */
export function hostilePathParam(pattern: string | undefined, ids: KnownIds) {
  const real = ids[idPrefix(pattern) ?? ''] ?? [];
  return fc.oneof(
    ...(real.length > 0 ? [fc.constantFrom(...real)] : []),
    pattern ? fc.stringMatching(new RegExp(pattern)) : unicodeText,
    unicodeText.filter((s) => s.length > 0),
    fc.constantFrom('..', '%00', 'a'.repeat(200), '0', '-1', 'null'),
  );
}
