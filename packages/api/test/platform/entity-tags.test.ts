import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatEntityTag,
  parseConditionalHeader,
  type EntityTag,
} from '../../src/platform/caching/entity-tags.js';

/** RFC 9110 etagc: %x21 / %x23-7E / obs-text (%x80-FF, as Node reads header bytes). */
const etagc = fc.oneof(
  fc.constant('!'),
  fc.integer({ min: 0x23, max: 0x7e }).map((code) => String.fromCharCode(code)),
  fc.integer({ min: 0x80, max: 0xff }).map((code) => String.fromCharCode(code)),
);
const entityTag: fc.Arbitrary<EntityTag> = fc.record({
  weak: fc.boolean(),
  opaque: fc.array(etagc, { maxLength: 12 }).map((chars) => `"${chars.join('')}"`),
});
const ows = fc.stringMatching(/^[ \t]{0,2}$/);
/** A list separator with optional whitespace and empty elements (`a, ,b`). */
const separator = fc
  .tuple(ows, fc.integer({ min: 1, max: 3 }), ows)
  .map(([before, commas, after]) => `${before}${Array(commas).fill(',').join(' ')}${after}`);

/** A valid header value for `tags`, with random whitespace and separators. */
const listOf = (tags: EntityTag[]) =>
  fc
    .tuple(ows, fc.array(separator, { minLength: tags.length, maxLength: tags.length }), ows)
    .map(
      ([lead, seps, trail]) =>
        lead +
        tags.map((tag, i) => (i === 0 ? '' : seps[i]!) + formatEntityTag(tag)).join('') +
        trail,
    );

describe('If-Match / If-None-Match parsing (RFC 9110 §13.1)', () => {
  it('reads every well-formed list as exactly its tags, in order', () => {
    fc.assert(
      fc.property(
        fc
          .array(entityTag, { minLength: 1, maxLength: 5 })
          .chain((tags) => listOf(tags).map((value) => ({ tags, value }))),
        ({ tags, value }) => {
          expect(parseConditionalHeader(value)).toEqual({ kind: 'tags', tags });
        },
      ),
    );
  });

  it('is the wildcard only for a lone "*" (whitespace around it allowed)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), ows, ows, (value, before, after) => {
        const parsed = parseConditionalHeader(value);
        expect(parsed.kind === 'any').toBe(value.replace(/^[ \t]+|[ \t]+$/g, '') === '*');
        expect(parseConditionalHeader(`${before}*${after}`)).toEqual({ kind: 'any' });
      }),
    );
  });

  it('a "*" or any other stray character outside quotes makes a list malformed, never a match', () => {
    const stray = fc.constantFrom('*', 'x', 'W', '/', ';', '=', 'v1', '\u0000', '\u00e9');
    fc.assert(
      fc.property(
        fc.array(entityTag, { minLength: 1, maxLength: 4 }),
        stray,
        fc.nat(),
        (tags, junk, at) => {
          const parts = tags.map(formatEntityTag);
          // Glued to a tag ("v1"*), or as its own list element (…, *, …).
          const i = at % (parts.length + 1);
          const glued = [...parts.slice(0, i), `${parts[i] ?? ''}${junk}`, ...parts.slice(i + 1)];
          const element = [...parts.slice(0, i), junk, ...parts.slice(i)];
          expect(parseConditionalHeader(glued.join(', ')).kind).toBe('malformed');
          expect(parseConditionalHeader(element.join(', ')).kind).toBe('malformed');
        },
      ),
    );
  });

  it('never throws, and whatever it accepts formats back to the same tags', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 40 }), fc.stringMatching(/^[ ,*W/"a-z0-9]{0,40}$/)),
        (value) => {
          const parsed = parseConditionalHeader(value);
          if (parsed.kind !== 'tags') return;
          // Only etagc inside the quotes: visible ASCII but `"`, and obs-text.
          for (const tag of parsed.tags) expect(tag.opaque).toMatch(/^"[!#-~\u0080-\u00ff]*"$/);
          expect(parseConditionalHeader(parsed.tags.map(formatEntityTag).join(', '))).toEqual(
            parsed,
          );
        },
      ),
    );
  });

  it('the cases the contract fuzzer found', () => {
    expect(parseConditionalHeader('"v1"*').kind).toBe('malformed');
    expect(parseConditionalHeader('"v7"*').kind).toBe('malformed');
    expect(parseConditionalHeader('x*').kind).toBe('malformed');
    expect(parseConditionalHeader('"v1", *').kind).toBe('malformed');
    expect(parseConditionalHeader('"v1" "v2"').kind).toBe('malformed');
    expect(parseConditionalHeader('"v1').kind).toBe('malformed');
    expect(parseConditionalHeader('w/"v1"').kind).toBe('malformed');
    expect(parseConditionalHeader('"v1", W/"v2"')).toEqual({
      kind: 'tags',
      tags: [
        { weak: false, opaque: '"v1"' },
        { weak: true, opaque: '"v2"' },
      ],
    });
    expect(parseConditionalHeader('"a*b"')).toEqual({
      kind: 'tags',
      tags: [{ weak: false, opaque: '"a*b"' }],
    });
    expect(parseConditionalHeader(' , ')).toEqual({ kind: 'tags', tags: [] });
  });
});
