import { problemCatalogue, type ProblemCode } from './catalogue.js';

/** One invalid part of a request: where it is and what is wrong with it. */
export interface FieldError {
  in: 'body' | 'query' | 'path' | 'header';
  /** RFC 6901 JSON pointer into that part, `""` for the whole part. */
  pointer: string;
  detail: string;
}

/**
 * An error with a catalogued meaning. Services throw these (through the named constructors below);
 * the error handler turns them into problem+json. They carry no HTTP objects.
 */
export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    readonly extras: { errors?: FieldError[]; headers?: Record<string, string> } = {},
  ) {
    super(detail);
    this.name = 'ApiError';
    this.status = problemCatalogue[code].status;
  }
}

/** The resource does not exist in the caller's account (also used for other accounts' ids). */
export const notFound = (resource: string, id: string) =>
  new ApiError('not_found', `No ${resource} with id '${id}' exists.`);

export const VALIDATION_DETAIL = 'The request has invalid fields; see errors.';

/** Input that passed the schema but breaks a rule only the server can check (e.g. a reference). */
export const validationFailed = (...errors: FieldError[]) =>
  new ApiError('validation_failed', VALIDATION_DETAIL, { errors });

/** `If-Match` named a version that is no longer current. */
export const preconditionFailed = () =>
  new ApiError(
    'precondition_failed',
    'The resource was modified since the ETag in If-Match was issued.',
  );
