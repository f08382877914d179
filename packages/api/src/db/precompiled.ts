/**
 * Queries compiled once, run with new values each time.
 *
 * Why by hand: Kysely builds an operation tree and compiles it to SQL on every call, which a hot
 * read pays for nothing when only the bound values change. For the list generation read on every
 * list request that was 19.5 µs built and run against 7.2 µs run precompiled (better-sqlite3, a
 * loop of 50,000, this machine; raw better-sqlite3 5.0 µs): bench/RESULTS.md, issue 19. Running a
 * compiled query is Kysely's own API (`executeQuery`, its "splitting query building and execution"
 * recipe), so query logs, metrics and spans see it as before; this module only puts the values in
 * the places the placeholders took when the query was compiled. (The loop figures were measured
 * ad hoc; the profile figures are in bench/profiles/.)
 *
 * The builder runs once, with placeholders for its parameters: it must use each of them as one
 * value (a comparison, a limit) and must not branch on them. Not supported: default and rest
 * parameters (the count comes from the function's length), an array parameter (`in`: it would
 * compile to one bound value), and Kysely plugins that rewrite queries (every run shares the one
 * compiled query; the app has none). A parameter that compiled into no bound value (inlined or
 * unused) is refused at start-up, and a call with another number of values is refused.
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';

/** Stands for a parameter while the query is compiled; replaced by the value at each run. */
class Placeholder {
  constructor(readonly index: number) {}
}

/** Stands for a named parameter, or for element `element` of an array parameter (an `in` list). */
class NamedPlaceholder {
  constructor(
    readonly name: string,
    readonly element?: number,
  ) {}
}

/** Builds the query from its parameters; called once, with placeholders. */
export type QueryTemplate<DB, Params extends unknown[], Row> = (
  db: Kysely<DB>,
  ...params: Params
) => Compilable<Row>;

/**
 * Compiles `build` once for `db` and returns a function running it with the given values.
 * Its rows are what `execute()` of the built query would return.
 */
export function precompile<DB, Params extends unknown[], Row>(
  db: Kysely<DB>,
  build: QueryTemplate<DB, Params, Row>,
): (...values: Params) => Promise<Row[]> {
  const arity = build.length - 1;
  const placeholders = Array.from({ length: arity }, (_, index) => new Placeholder(index));
  const compiled: CompiledQuery<Row> = build(db, ...(placeholders as Params)).compile();
  const template = compiled.parameters;
  const used = new Set(template.filter((value) => value instanceof Placeholder));
  const unused = placeholders.filter((placeholder) => !used.has(placeholder));
  if (unused.length > 0)
    throw new Error(
      `precompile: parameter ${unused.map((p) => p.index + 1).join(', ')} of ${build.name || 'a query'} ` +
        'is not a bound value of the compiled SQL (inlined, unused or branched on)',
    );
  return async (...values) => {
    if (values.length !== arity)
      throw new Error(`precompile: ${arity} values expected, ${values.length} given`);
    const parameters = template.map((value) =>
      value instanceof Placeholder ? values[value.index] : value,
    );
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}

/** The shapes compiled per query family at most; a call of yet another shape is built as Kysely builds it. */
const MAX_SHAPES = 256;

/**
 * Like `precompile`, for a query whose shape depends on which parameters are present and on the
 * length of its array parameters: an optional filter, a keyset bound on all but the first page,
 * an `in` list of n ids. One compiled query per shape (the present names, each array's length),
 * compiled on its first call. `build` may branch on whether a parameter is present, never on its
 * value: it gets placeholders, an array one placeholder per element. Every present parameter must
 * compile into bound values (checked per shape). Past MAX_SHAPES shapes the query is built and
 * compiled per call, as Kysely does, and still runs correctly.
 */
export function precompileByShape<DB, Params extends Record<string, unknown>, Row>(
  db: Kysely<DB>,
  build: (db: Kysely<DB>, params: Params) => Compilable<Row>,
): (params: Params) => Promise<Row[]> {
  const shapes = new Map<string, CompiledQuery<Row>>();

  const compileShape = (params: Params): CompiledQuery<Row> => {
    const placeholders: Record<string, unknown> = {};
    const expected = new Set<string>();
    for (const [name, value] of Object.entries(params)) {
      if (value === undefined) continue;
      // The shape key joins names with `,` and marks arrays with `[n]`: such a name could collide.
      if (/[,[\]]/.test(name)) throw new Error(`precompileByShape: parameter name ${name}`);
      placeholders[name] = Array.isArray(value)
        ? value.map((_, element) => new NamedPlaceholder(name, element))
        : new NamedPlaceholder(name);
      // An empty array compiles into no value at all: nothing to check.
      if (!Array.isArray(value) || value.length > 0) expected.add(name);
    }
    const compiled = build(db, placeholders as Params).compile();
    const seen = new Set<string>();
    for (const value of compiled.parameters)
      if (value instanceof NamedPlaceholder) seen.add(value.name);
    const missing = [...expected].filter((name) => !seen.has(name));
    if (missing.length > 0)
      throw new Error(
        `precompileByShape: ${missing.join(', ')} of ${build.name || 'a query'} ` +
          'is not a bound value of the compiled SQL (inlined, unused or branched on)',
      );
    return compiled;
  };

  return async (params) => {
    const key = shapeOf(params);
    let compiled = shapes.get(key);
    if (compiled === undefined) {
      compiled = compileShape(params);
      if (shapes.size < MAX_SHAPES) shapes.set(key, compiled);
    }
    const parameters = compiled.parameters.map((value) => {
      if (!(value instanceof NamedPlaceholder)) return value;
      const given = params[value.name];
      return value.element === undefined ? given : (given as unknown[])[value.element];
    });
    const result = await db.executeQuery<Row>({ ...compiled, parameters });
    return result.rows;
  };
}

/** `accountId,limit,orderIds[20]`: the present parameters, and each array's length. */
function shapeOf(params: Record<string, unknown>): string {
  let key = '';
  // Own enumerable keys, as compileShape reads them (Object.entries): never inherited ones.
  for (const name of Object.keys(params)) {
    const value = params[name];
    if (value === undefined) continue;
    key += Array.isArray(value) ? `${name}[${value.length}],` : `${name},`;
  }
  return key;
}
