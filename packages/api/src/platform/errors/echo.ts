/**
 * Text a client sent that an error repeats back (a field or parameter name in a pointer): control
 * characters (C0, DEL, C1) and bidirectional controls are written as `\uXXXX` so an error body
 * can never carry a NUL, a terminal escape or a right-to-left override into a log or a screen,
 * and the result is bounded so it fits the documented maximum length.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeChar = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** `text` with unsafe characters escaped, cut to `max` characters (ending in `…` when cut). */
export function safeEcho(text: string, max: number): string {
  const escaped = text.replace(UNSAFE, escapeChar);
  return escaped.length <= max ? escaped : `${escaped.slice(0, max - 1)}…`;
}
