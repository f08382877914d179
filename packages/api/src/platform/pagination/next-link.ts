/**
 * The URL of a list's next page: the request's path under PUBLIC_BASE_URL, its query parameters
 * except the cursor's, and the new cursor last, as the WHATWG URL API writes them.
 *
 * Why by hand: parsing the request URL, building a second one and re-serialising its query was
 * ~15 µs of every list page that has a next page (two URL parses and a URLSearchParams round trip,
 * bench/profiles/list-*, bench/RESULTS.md issue 19). Nearly every list query is a few plain
 * `name=value` pairs (`limit=20&status=paid`), which the URL API writes back unchanged; anything
 * else (percent-encoding, `+`, empty pairs, a fragment) still goes through URL.
 */
import { pathnameOf } from '../urls/request-path.js';

/** A pair the URL API writes back byte for byte: form-urlencoding leaves `\w`, `.`, `*`, `-` as they are. */
const PLAIN_PAIR = /^[\w.*-]+=[\w.*-]*$/;
const PLAIN_VALUE = /^[\w.*-]*$/;

const normalisedBases = new Map<string, string>();

/** PUBLIC_BASE_URL as URL writes it (host in lower case, default port dropped), without a trailing `/`. */
function normalisedBase(publicBaseUrl: string): string {
  let base = normalisedBases.get(publicBaseUrl);
  if (base === undefined) {
    base = new URL(`${publicBaseUrl}/`).href.slice(0, -1);
    normalisedBases.set(publicBaseUrl, base);
  }
  return base;
}

/** The URL API's way, for every target the fast path leaves out. */
function viaUrl(target: string, publicBaseUrl: string, parameter: string, cursor: string): string {
  const url = new URL(target, `${publicBaseUrl}/`);
  const next = new URL(publicBaseUrl + url.pathname);
  for (const [name, value] of url.searchParams)
    if (name !== parameter) next.searchParams.append(name, value);
  next.searchParams.set(parameter, cursor);
  return next.toString();
}

/**
 * `target` is the request's origin-form target (`request.url`); `parameter` the query parameter
 * that carries the cursor (`starting_after`, `cursor`), which is replaced by `cursor`.
 */
export function nextPageUrl(
  target: string,
  publicBaseUrl: string,
  parameter: string,
  cursor: string,
): string {
  const question = target.indexOf('?');
  const query = question === -1 ? '' : target.slice(question + 1);
  if (PLAIN_VALUE.test(parameter) && PLAIN_VALUE.test(cursor) && !target.includes('#')) {
    const pairs = query === '' ? [] : query.split('&');
    if (pairs.every((pair) => PLAIN_PAIR.test(pair))) {
      const kept = pairs.filter((pair) => pair.slice(0, pair.indexOf('=')) !== parameter);
      kept.push(`${parameter}=${cursor}`);
      // The whole target: URL trims whitespace only at the end of its input, so a path cut off
      // before its `?` could lose a trailing space that URL would have encoded.
      const path = pathnameOf(target);
      return `${normalisedBase(publicBaseUrl)}${path}?${kept.join('&')}`;
    }
  }
  return viaUrl(target, publicBaseUrl, parameter, cursor);
}
