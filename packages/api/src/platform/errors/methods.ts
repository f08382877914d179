/**
 * Which answer a request method gets where no route takes it (RFC 9110 §15.5.6, §15.6.2):
 * - a method HTTP standardises (RFC 9110, PATCH, QUERY) on a path that exists: 405 with `Allow`;
 * - the same on a path that does not exist: 404;
 * - any other method (WebDAV's, a made-up token): 501, on every path, since no resource here
 *   implements it.
 * CONNECT asks for a tunnel to an authority (`host:port`), which no resource here is: 501 too.
 */
export const STANDARD_METHODS: ReadonlySet<string> = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

/** The methods a path answers with an `Allow` header, in this order. */
export const ROUTED_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export type MethodRefusal =
  { code: 'method_not_allowed'; allow: string[] } | { code: 'method_not_implemented' } | undefined;

/**
 * How to refuse `method` on `path` (origin-form, without query) when no route takes it;
 * undefined when the right answer is 404. `allowedOn` lists the methods routed at a path.
 */
export function refuseMethod(
  method: string,
  path: string,
  allowedOn: (path: string) => string[],
): MethodRefusal {
  if (!STANDARD_METHODS.has(method) || !path.startsWith('/')) {
    return { code: 'method_not_implemented' };
  }
  const allow = allowedOn(path);
  return allow.length > 0 ? { code: 'method_not_allowed', allow } : undefined;
}
