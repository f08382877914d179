import { ApiError } from '../errors/api-error.js';

const CURSOR_VERSION = 'c1';

/** An opaque cursor for "the rows after this id"; clients must not build or parse it. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(`${CURSOR_VERSION}:${lastId}`).toString('base64url');
}

/** Returns the id a cursor points after, or throws invalid_cursor when it is not one of ours. */
export function decodeCursor(cursor: string, idPattern: string): string {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const [version, id] = decoded.split(':', 2);
  if (version !== CURSOR_VERSION || id === undefined || !new RegExp(idPattern).test(id)) {
    throw new ApiError('invalid_cursor', 'The starting_after cursor is not valid for this list.');
  }
  return id;
}
