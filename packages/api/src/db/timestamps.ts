/**
 * What `Date#toISOString` produces: SQLite rows hold exactly this text (the app writes it), so it
 * is returned as it is; parsing and re-formatting it cost ~0.6 µs per value, 60 values on a page
 * of 20 orders (issue 19 profile).
 */
const CANONICAL_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Normalises a timestamp column (Date from pg, ISO text from SQLite) to ISO 8601 UTC. */
export function toIso(value: Date | string): string {
  if (typeof value === 'string' && CANONICAL_ISO.test(value)) return value;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** `toIso` for a nullable column: null stays null. */
export function toIsoOrNull(value: Date | string | null): string | null {
  return value === null ? null : toIso(value);
}
