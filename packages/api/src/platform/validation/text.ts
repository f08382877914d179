import { Type, type TStringOptions } from 'typebox';

/**
 * Free text from clients. NUL is refused: PostgreSQL cannot store it in `text` (SQLite can), so
 * without this the same request is a 201 on one database and a 500 on the other.
 */
export function Text(options: TStringOptions) {
  return Type.String({ ...options, pattern: '^[^\\u0000]*$' });
}
