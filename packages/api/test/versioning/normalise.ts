/**
 * Turns a recorded HTTP exchange into text that is identical on every run: ids, secrets,
 * timestamps, request ids, cursors and content-hash ETags become placeholders. Ids map to
 * numbered placeholders in order of first appearance (`usr_#1`), so "the same id twice" and
 * "two different ids" stay distinguishable and the rest of the bytes are compared exactly.
 */

const ID = /\b(acct|key|usr|ord|item|pay|re|evt|idem)_[0-9a-hjkmnp-tv-z]{26}\b/g;
const REQUEST_ID = /\breq_[0-9a-f]{32}\b/g;
const SECRET = /\bsk_(test|live)_[0-9a-f]{60}\b/g;
const KEY_PREFIX = /\bsk_(test|live)_[0-9a-f]{12}\b/g;
const TIMESTAMP = /\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z\b/g;
/** A content-hash ETag (27 base64url characters); version tags (`"v3"`) are kept. */
const CONTENT_ETAG = /"[A-Za-z0-9_-]{27}"/g;
/** Where cursors travel: the JSON field and the query parameter of a `Link` URL. */
const CURSOR_IN_JSON = /("next_cursor":")([A-Za-z0-9_-]+)(")/g;
const CURSOR_IN_URL = /([?&](?:starting_after|cursor)=)([A-Za-z0-9_-]+)/g;
const RATE_LIMIT_STATE = /;r=\d+;t=\d+/g;

export class Normaliser {
  private readonly ids = new Map<string, string>();
  private readonly counters = new Map<string, number>();

  /** The placeholder of an id: `usr_#1` for the first user id seen, and so on. */
  id(value: string): string {
    let placeholder = this.ids.get(value);
    if (placeholder === undefined) {
      const prefix = value.slice(0, value.indexOf('_'));
      const n = (this.counters.get(prefix) ?? 0) + 1;
      this.counters.set(prefix, n);
      placeholder = `${prefix}_#${n}`;
      this.ids.set(value, placeholder);
    }
    return placeholder;
  }

  /**
   * Cursors are opaque to clients but encode an id; the placeholder keeps which one. The fixtures
   * were recorded with unsigned `c1:<id>` cursors; signed ones are `c2:<id>` + a 16-byte HMAC.
   */
  private cursor(value: string): string {
    const bytes = Buffer.from(value, 'base64url');
    const match =
      /^c1:(.+)$/.exec(bytes.toString('utf8')) ??
      /^c2:(.+)$/.exec(bytes.subarray(0, -16).toString('utf8'));
    return match ? `<cursor:${this.id(match[1]!)}>` : '<cursor:?>';
  }

  text(value: string): string {
    return value
      .replace(CURSOR_IN_JSON, (_m, head: string, cursor: string, tail: string) => {
        return `${head}${this.cursor(cursor)}${tail}`;
      })
      .replace(CURSOR_IN_URL, (_m, head: string, cursor: string) => `${head}${this.cursor(cursor)}`)
      .replace(SECRET, '<secret>')
      .replace(KEY_PREFIX, '<key-prefix>')
      .replace(ID, (id) => this.id(id))
      .replace(REQUEST_ID, '<request-id>')
      .replace(TIMESTAMP, '<timestamp>')
      .replace(CONTENT_ETAG, '"<content-hash>"')
      .replace(RATE_LIMIT_STATE, ';r=<n>;t=<n>');
  }
}

/**
 * Response headers that are part of the v1 contract. Left out: per-connection and per-moment
 * headers (date, content-length, connection), and the security headers, which are a deployment
 * concern that may change without a new API version.
 */
export const CONTRACT_HEADERS = [
  'content-type',
  'location',
  'etag',
  'link',
  'allow',
  'www-authenticate',
  'retry-after',
  'idempotent-replayed',
  'cache-control',
  'ratelimit-policy',
  'ratelimit',
  'x-request-id',
  // v1's retirement (absent before v2; the replay test requires them now).
  'deprecation',
  'sunset',
] as const;
