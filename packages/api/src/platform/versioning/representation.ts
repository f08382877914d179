import type { TSchema } from 'typebox';
import { ApiError, type FieldError } from '../errors/api-error.js';
import { API_VERSIONS, includesChange, type ApiVersion } from './api-version.js';

/*
 * Version changes in the spirit of Stripe's version-change modules: the domain core speaks one
 * model (the oldest published shape), and each breaking change is a small module that says how
 * the shape of one kind of resource changed in the version that introduced it. A response is
 * presented to version N by applying, in order, every change up to N; a request body of version N
 * is accepted by undoing them in reverse. A new version is one more change per affected shape.
 */

/** One breaking change to a response shape, introduced in `since`. */
export interface ResponseChange<Previous, Next, Context = undefined> {
  since: ApiVersion;
  /** One line for the changelog and the version's OpenAPI description. */
  description: string;
  /** The shape from `since` on (validation, serialisation and the OpenAPI document). */
  schema: TSchema;
  /** The previous version's representation → this version's. */
  up(previous: Previous, context: Context): Next;
}

/** One breaking change to a request body, introduced in `since`. */
export interface RequestChange<Previous, Next, Context = undefined> {
  since: ApiVersion;
  description: string;
  /** The body this version accepts. */
  schema: TSchema;
  /**
   * This version's body → the previous version's. May throw validation_failed for a rule the
   * schema cannot state (e.g. "every item in the same currency").
   */
  down(body: Next, context: Context): Previous;
  /**
   * Where a field the previous version names (a JSON pointer into its body) lives in this
   * version's body, so domain validation errors point at what the client actually sent.
   */
  pointer?(previous: string, body: Next): string;
}

/** No argument when a shape needs no context, one when it does. */
type ContextArgument<Context> = Context extends undefined ? [] : [context: Context];

// Stored without their type parameters: each change is typed where it is written, and the chain
// (which the constructor checks for order) is what makes consecutive shapes line up.
type AnyResponseChange<Context> = ResponseChange<never, unknown, Context>;
type AnyRequestChange<Context> = RequestChange<unknown, never, Context>;

function checkOrder(changes: readonly { since: ApiVersion }[]) {
  for (const [index, change] of changes.entries()) {
    if (change.since === API_VERSIONS[0])
      throw new Error(`a version change cannot be introduced in ${change.since}, the base version`);
    const previous = changes[index - 1];
    if (previous && !includesChange(change.since, previous.since))
      throw new Error(`version changes out of order: ${previous.since} before ${change.since}`);
  }
}

export interface VersionedResponse<Core, Context = undefined> {
  /** The response schema of `version`. */
  schema(version: ApiVersion): TSchema;
  /** The core representation as `version` shows it. */
  present(version: ApiVersion, core: Core, ...context: ContextArgument<Context>): unknown;
  /** Descriptions of the changes, for the changelog. */
  readonly changes: readonly { since: ApiVersion; description: string }[];
}

/** A response shape: the core schema plus the changes made to it since, oldest first. */
export function versionedResponse<Core, Context = undefined>(
  base: TSchema,
  changes: readonly AnyResponseChange<Context>[],
): VersionedResponse<Core, Context> {
  checkOrder(changes);
  const upTo = (version: ApiVersion) => changes.filter((c) => includesChange(version, c.since));
  return {
    changes,
    schema: (version) => upTo(version).at(-1)?.schema ?? base,
    present: (version, core, ...[context]) =>
      upTo(version).reduce<unknown>(
        (shape, change) => change.up(shape as never, context as Context),
        core,
      ),
  };
}

export interface VersionedRequest<Core, Context = undefined> {
  schema(version: ApiVersion): TSchema;
  /** A validated body of `version` → the core input. */
  accept(version: ApiVersion, body: unknown, ...context: ContextArgument<Context>): Core;
  /**
   * Runs domain work on a body of `version`; validation errors it throws about the core input
   * are rewritten to point into the body the client sent.
   */
  translateErrors<T>(
    version: ApiVersion,
    body: unknown,
    work: () => Promise<T>,
    ...context: ContextArgument<Context>
  ): Promise<T>;
  readonly changes: readonly { since: ApiVersion; description: string }[];
}

/** A request body shape: the core schema plus the changes made to it since, oldest first. */
export function versionedRequest<Core, Context = undefined>(
  base: TSchema,
  changes: readonly AnyRequestChange<Context>[],
): VersionedRequest<Core, Context> {
  checkOrder(changes);
  const upTo = (version: ApiVersion) => changes.filter((c) => includesChange(version, c.since));
  /** The body at each step, newest first: [version's body, …, core body]. */
  const bodies = (version: ApiVersion, body: unknown, context: Context) => {
    const chain = [body];
    for (const change of upTo(version).reverse())
      chain.push(change.down(chain.at(-1) as never, context));
    return chain;
  };
  const translate = (
    version: ApiVersion,
    body: unknown,
    context: Context,
    errors: FieldError[],
  ) => {
    const included = upTo(version);
    // bodies() is newest first; pointers travel oldest → newest.
    const chain = bodies(version, body, context).reverse();
    return errors.map((error) => {
      if (error.in !== 'body') return error;
      let pointer = error.pointer;
      included.forEach((change, index) => {
        pointer = change.pointer?.(pointer, chain[index + 1] as never) ?? pointer;
      });
      return { ...error, pointer };
    });
  };
  return {
    changes,
    schema: (version) => upTo(version).at(-1)?.schema ?? base,
    accept: (version, body, ...[context]) =>
      bodies(version, body, context as Context).at(-1) as Core,
    async translateErrors(version, body, work, ...[context]) {
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof ApiError) || !error.extras.errors || upTo(version).length === 0)
          throw error;
        throw new ApiError(error.code, error.detail, {
          ...error.extras,
          errors: translate(version, body, context as Context, error.extras.errors),
        });
      }
    },
  };
}
