import { monotonicFactory } from 'ulidx';

// Monotonic within this process, so ids minted in the same millisecond still sort in order.
const ulid = monotonicFactory();

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
