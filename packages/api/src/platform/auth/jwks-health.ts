import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../observability/metrics.js';
import type { JwksStatus } from './jwks-key-set.js';

/**
 * Counts every JWKS fetch and logs the changes of state only: the first failure of an outage
 * (`jwks.fetch_failed`, warn) and the recovery (`jwks.recovered`, info). Backoff already bounds
 * the number of failures, but one line per outage is what a reader of the logs needs.
 */
export function jwksFetchObserver(log: FastifyBaseLogger, metrics: Metrics) {
  let failing = 0;
  return (outcome: 'success' | 'failure', error?: unknown) => {
    metrics.jwksFetches.inc({ outcome });
    if (outcome === 'failure') {
      failing += 1;
      if (failing === 1)
        log.warn({ event: 'jwks.fetch_failed', err: error }, 'identity provider JWKS fetch failed');
    } else if (failing > 0) {
      log.info(
        { event: 'jwks.recovered', failed_attempts: failing },
        'identity provider JWKS recovered',
      );
      failing = 0;
    }
  };
}

/** The /readyz detail while a stale key set is served; undefined while the provider answers. */
export function jwksDegradation(status: JwksStatus): string | undefined {
  if (!status.stale) return undefined;
  return `stale: the identity provider has not answered ${status.consecutiveFailures} JWKS fetch(es); serving the key set fetched ${status.ageSeconds ?? 0} s ago`;
}
