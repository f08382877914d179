import { ApiError } from '../errors/api-error.js';

const CURSOR_VERSION = 'c1';

/** An opaque cursor for "the rows after this id"; clients must not build or parse it. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`${CURSOR_VERSION}:${lastId}`).toString('base64url');
}

const patterns = new Map<string, RegExp>();

/** One RegExp per id pattern for the process, not one per paginated request. */
function compiled(pattern: string): RegExp {
  let regex = patterns.get(pattern);
  if (!regex) patterns.set(pattern, (regex = new RegExp(pattern)));
  return regex;
}

/**
 * Returns the id a cursor points after, or throws invalid_cursor when it is not one of ours.
 * `parameter` is the query parameter it came in, named in the error.
 */
export function decodeCursor(
  cursor: string,
  idPattern: string,
  parameter = 'starting_after',
): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const [version, id] = decoded.split(':', 2);
  if (version !== CURSOR_VERSION || id === undefined || !compiled(idPattern).test(id)) {
    // "The starting_after cursor …" (v1's words, kept), "The cursor …" where the parameter says it.
    const subject = parameter === 'cursor' ? 'cursor' : `${parameter} cursor`;
    throw new ApiError('invalid_cursor', `The ${subject} is not valid for this list.`);
  }
  return id;
}
