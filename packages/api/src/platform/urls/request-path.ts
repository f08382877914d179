/**
 * The path of a request target as WHATWG URL parsing gives it (`new URL(target, base).pathname`):
 * dot segments resolved, characters a URL path may not hold percent-encoded, no query. Used by
 * the deprecation `Link` (versioning) and the next-page `Link` (pagination), so it sits apart
 * from both: versioning already reads pagination's list formats.
 *
 * Why by hand: the deprecation headers put the successor version's path in a `Link` on every v1
 * response, and parsing a URL per request was 4.2 µs of the 253 µs of a cached read in a CPU
 * profile (bench/profiles/get-order-3758727-*, bench/RESULTS.md issue 19 section 6). Nearly
 * every target is already in that form, which one regular expression can tell; anything else
 * still goes through `URL`.
 */

/**
 * One `/` (two would start an authority), then only unreserved and sub-delimiter characters, `:`,
 * `@`, `/` and `%`: all kept as they are by URL.
 */
const VERBATIM_PATH = /^\/(?!\/)[\w\-.~!$&'()*+,;=:@/%]*/;
/** A segment URL would resolve: `.` or `..`, also spelt `%2e`. */
const DOT_SEGMENT = /\/\.|%2e/i;

/** The pathname of `target` (an origin-form request target, e.g. `request.url`). */
export function pathnameOf(target: string): string {
  const path = VERBATIM_PATH.exec(target)?.[0];
  if (path !== undefined && !DOT_SEGMENT.test(path)) {
    const next = target[path.length];
    if (next === undefined || next === '?' || next === '#') return path;
  }
  return new URL(target, 'http://localhost').pathname;
}
