import { Type, type TStringOptions } from 'typebox';

/**
 * Characters refused in every string of a JSON body (platform/security/json-body.ts): C0 controls
 * other than tab, line feed and carriage return, DEL and the C1 controls, and the bidirectional
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make displayed text read
 * differently from what is stored (CVE-2021-42574).
 */
export const UNSAFE_DISPLAY_CHARACTER =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

const DISPLAY_RULE =
  'Control characters (other than tab, line feed and carriage return) and bidirectional overrides (U+202A–U+202E, U+2066–U+2069) are refused with 400 validation_failed.';

/**
 * Free text from clients that is displayed (names). NUL is refused by the pattern: PostgreSQL
 * cannot store it in `text` (SQLite can), so without it the same request is a 201 on one database
 * and a 500 on the other. The other unsafe characters are refused by the JSON body parser, which
 * checks every string of a body, and the rule is stated in the schema's description.
 */
export function Text(options: TStringOptions) {
  const description = options.description ? `${options.description} ${DISPLAY_RULE}` : DISPLAY_RULE;
  return Type.String({ ...options, pattern: '^[^\\u0000]*$', description });
}
