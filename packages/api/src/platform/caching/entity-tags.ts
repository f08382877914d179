/**
 * The If-Match / If-None-Match grammar of RFC 9110 §13.1, parsed exactly: a lone `*`, or a
 * comma-separated list of entity tags (`"x"` strong, `W/"x"` weak). Anything else is malformed and
 * never matches by accident: a `*` inside a list, a bare word, a missing quote.
 *
 *   If-Match      = "*" / #entity-tag
 *   entity-tag    = [ weak ] opaque-tag        weak = %s"W/"
 *   opaque-tag    = DQUOTE *etagc DQUOTE       etagc = %x21 / %x23-7E / obs-text
 *   #element      = [ element ] *( OWS "," OWS [ element ] )   (§5.6.1: empty elements allowed)
 */

/** One entity tag; `opaque` keeps its quotes (`"v3"`), as ETag values are sent. */
export interface EntityTag {
  weak: boolean;
  opaque: string;
}

export type ConditionalHeader =
  { kind: 'any' } | { kind: 'tags'; tags: EntityTag[] } | { kind: 'malformed'; reason: string };

const isOws = (char: string) => char === ' ' || char === '\t';

/** etagc: visible ASCII but `"`, and obs-text (Node reads header bytes as latin1). */
function isEtagc(char: string): boolean {
  const code = char.charCodeAt(0);
  return code === 0x21 || (code >= 0x23 && code <= 0x7e) || (code >= 0x80 && code <= 0xff);
}

/** Parses one If-Match or If-None-Match value (repeated header lines joined by `, `). */
export function parseConditionalHeader(value: string): ConditionalHeader {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value[start]!)) start += 1;
  while (end > start && isOws(value[end - 1]!)) end -= 1;
  if (value.slice(start, end) === '*') return { kind: 'any' };

  const tags: EntityTag[] = [];
  let i = start;
  const malformed = (reason: string): ConditionalHeader => ({
    kind: 'malformed',
    reason: `${reason} at character ${i + 1}`,
  });
  while (i < end) {
    // Empty list elements (`a, , b`) are allowed and skipped.
    if (value[i] === ',' || isOws(value[i]!)) {
      i += 1;
      continue;
    }
    const weak = value.startsWith('W/', i);
    if (weak) i += 2;
    if (value[i] !== '"') return malformed('expected an entity tag ("…" or W/"…")');
    const open = i;
    i += 1;
    while (i < end && value[i] !== '"') {
      if (!isEtagc(value[i]!)) return malformed('invalid character in an entity tag');
      i += 1;
    }
    if (i >= end) return malformed('unterminated entity tag');
    i += 1;
    tags.push({ weak, opaque: value.slice(open, i) });
    while (i < end && isOws(value[i]!)) i += 1;
    if (i < end && value[i] !== ',') return malformed('expected "," between entity tags');
  }
  return { kind: 'tags', tags };
}

/** Formats a tag as it is sent (the inverse of parsing one element). */
export const formatEntityTag = (tag: EntityTag) => `${tag.weak ? 'W/' : ''}${tag.opaque}`;
