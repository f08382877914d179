import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulidx';

/** Random bytes drawn from the CSPRNG at a time, handed out one per ULID character. */
const POOL_BYTES = 4_096;
const pool = new Uint8Array(POOL_BYTES);
let nextByte = POOL_BYTES;

/**
 * ulidx's random source: a float in [0, 1) from one CSPRNG byte. Its default asks Web Crypto's
 * getRandomValues for a fresh 1-byte buffer per character, 16 calls per id: measured in
 * `npm run bench:profile -- pay`, about 600 µs of CPU per payment (several ids each). From a
 * pool it is one randomFillSync per 256 ids. byte / 256 maps the 256 byte values evenly onto the
 * 32 Crockford characters (ulidx takes floor(x × 32)), so no character is favoured.
 */
export function randomUnit(): number {
  if (nextByte === POOL_BYTES) {
    randomFillSync(pool);
    nextByte = 0;
  }
  return pool[nextByte++]! / 256;
}

// Monotonic within this process, so ids minted in the same millisecond still sort in order.
const ulid = monotonicFactory(randomUnit);

export type IdPrefix =
  'acct' | 'key' | 'usr' | 'ord' | 'item' | 'pay' | 're' | 'evt' | 'idem' | 'we' | 'whd' | 'wha';

/** A prefixed, time-sortable id such as `usr_01jd…` (ULID, lower-case): self-describing and keyset-pageable. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

/** The pattern an id of this prefix matches; used in schemas so malformed ids fail validation. */
export function idPattern(prefix: IdPrefix): string {
  return `^${prefix}_[0-9a-hjkmnp-tv-z]{26}$`;
}
