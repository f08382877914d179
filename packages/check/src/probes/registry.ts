import type { Probe } from './context.js';
import { examples } from './documented/examples.js';
import { errorResponses } from './documented/error-responses.js';
import { inputBounds } from './documented/input-bounds.js';
import { openapiPublished } from './documented/openapi-published.js';
import { security } from './documented/security.js';
import { malformedJson } from './fails-gracefully/malformed-json.js';
import { noLeaks } from './fails-gracefully/no-leaks.js';
import { problemShape } from './fails-gracefully/problem-shape.js';
import { unknownRoute } from './fails-gracefully/unknown-route.js';
import { wrongMethod } from './fails-gracefully/wrong-method.js';
import { health } from './observable/health.js';
import { requestId } from './observable/request-id.js';
import { traceparent } from './observable/traceparent.js';
import { deprecation } from './predictable/deprecation.js';
import { naming } from './predictable/naming.js';
import { versionPresent } from './predictable/version-present.js';
import { authRequired } from './protects-itself/auth-required.js';
import { bodyLimit } from './protects-itself/body-limit.js';
import { contentType } from './protects-itself/content-type.js';
import { cors } from './protects-itself/cors.js';
import { hsts } from './protects-itself/hsts.js';
import { internalEndpoints } from './protects-itself/internal-endpoints.js';
import { nosniff } from './protects-itself/nosniff.js';
import { rateLimit } from './protects-itself/rate-limit.js';
import { tenantIsolation } from './protects-itself/tenant-isolation.js';
import { unknownField } from './protects-itself/unknown-field.js';
import { etag } from './scales/etag.js';
import { idempotency } from './scales/idempotency.js';
import { ifMatch } from './scales/if-match.js';
import { paginationLimit } from './scales/pagination-limit.js';
import { paginationWalk } from './scales/pagination-walk.js';

/**
 * Every probe, in the order they run: the document first, then the live probes, then the burst
 * (its 429s would disturb the others), and last the probes that judge every answer of the run.
 * Reports group them by section.
 */
export const PROBES: readonly Probe[] = [
  openapiPublished,
  examples,
  errorResponses,
  security,
  inputBounds,
  naming,
  unknownRoute,
  malformedJson,
  wrongMethod,
  contentType,
  bodyLimit,
  authRequired,
  tenantIsolation,
  unknownField,
  versionPresent,
  requestId,
  traceparent,
  health,
  internalEndpoints,
  hsts,
  nosniff,
  cors,
  etag,
  ifMatch,
  idempotency,
  paginationLimit,
  paginationWalk,
  deprecation,
  rateLimit,
  noLeaks,
  problemShape,
];

/** Probes chosen by --only / --skip (ids, or section ids, or id prefixes such as `spec.`). */
export function selectProbes(only: string[], skip: string[]): Probe[] {
  const matches = (probe: Probe, pattern: string) =>
    probe.id === pattern ||
    probe.section === pattern ||
    (pattern.endsWith('.') && probe.id.startsWith(pattern)) ||
    (pattern.endsWith('*') && probe.id.startsWith(pattern.slice(0, -1)));
  return PROBES.filter(
    (probe) =>
      (only.length === 0 || only.some((p) => matches(probe, p))) &&
      !skip.some((p) => matches(probe, p)),
  );
}

/** Patterns in --only / --skip that match no probe (likely typos). */
export function unknownSelectors(patterns: string[]): string[] {
  return patterns.filter((pattern) => selectProbes([pattern], []).length === 0);
}
