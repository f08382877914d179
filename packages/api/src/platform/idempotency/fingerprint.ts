import { createHash } from 'node:crypto';

/** Printable ASCII (0x20–0x7E); the schema adds the 1–255 length, reported on its own. */
export const KEY_PATTERN = '^[\\x20-\\x7E]+$';
const KEY = new RegExp(KEY_PATTERN);

/** 1–255 printable ASCII characters, as the Idempotency-Key header allows. */
export function isValidKey(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 255 && KEY.test(value);
}

/** JSON with object keys sorted at every depth, so `{"a":1,"b":2}` and `{"b":2,"a":1}` agree. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((item) => canonicalJson(item ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What a key stands for: method, the request target as sent (path and query string: a different
 * query is a different request) and the canonical body. Headers are not part of it.
 */
export function requestFingerprint(method: string, url: string, body: unknown): string {
  return createHash('sha256')
    .update(`${method} ${url}\n${canonicalJson(body ?? null)}`)
    .digest('hex');
}
