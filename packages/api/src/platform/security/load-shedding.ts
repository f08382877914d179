import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors/api-error.js';
import { installAdmission } from './admission.js';
import { startPressureSampler, type PressureSample } from './pressure-sampler.js';

export interface LoadSheddingOptions {
  /** Mean event-loop delay (ms) over one sample above which requests are shed; 0 = off. */
  maxEventLoopDelayMs: number;
  /** V8 heap in use (bytes) above which requests are shed; 0 = off. */
  maxHeapUsedBytes: number;
  /** Resident set size (bytes) above which requests are shed; 0 = off. */
  maxRssBytes: number;
  /** How often the process measures itself (ms). */
  sampleIntervalMs: number;
  /** Longest a request may wait behind others in one event-loop turn before it is shed; 0 = off. */
  maxQueueMs: number;
  /** The stricter bound for overloadHoldMs after a refusal at maxQueueMs (admission.ts). */
  overloadQueueMs: number;
  overloadHoldMs: number;
  /** Bounds of the adaptive in-flight limit (concurrency-limit.ts); max 0 = off. */
  concurrencyMin: number;
  concurrencyMax: number;
  /** Mean latency (ms) of admitted requests at or below which the in-flight limit never shrinks. */
  concurrencyToleratedMs: number;
  /** Route patterns never shed. */
  exempt: string[];
  /** Paths always admitted by admission control (health probes). */
  exemptFromConcurrency: string[];
  /** Builds the problem `type` URI of the refusals written before Fastify. */
  publicBaseUrl: string;
}

/**
 * Seconds a shed client should wait. Short: saturation is usually a burst, and the load balancer
 * will route most retries to another instance anyway.
 */
export const SHED_RETRY_AFTER_SECONDS = 2;

declare module 'fastify' {
  interface FastifyInstance {
    /** True while the latest pressure reading is over a LOAD_SHED_* threshold. */
    isUnderPressure(): boolean;
    /** The latest pressure reading. */
    memoryUsage(): PressureSample;
  }
}

/**
 * Load shedding: when the process is saturated (event loop lagging, memory over a threshold) it
 * answers 503 service_unavailable + Retry-After at once, in onRequest, before authentication or
 * any database work, instead of queueing requests it would serve late. The readings come from
 * pressure-sampler.ts, whose timer cannot throw.
 *
 * Liveness is exempt: a saturated process is alive, and failing /livez would get it restarted,
 * dropping everything it is still serving. Readiness is NOT exempt, so while saturated the load
 * balancer sees /readyz fail and sends traffic elsewhere.
 */
async function loadSheddingPlugin(app: FastifyInstance, options: LoadSheddingOptions) {
  const exempt = new Set(options.exempt);
  const sampler = startPressureSampler({
    intervalMs: options.sampleIntervalMs,
    readRss: options.maxRssBytes > 0,
    onError: (error) =>
      app.log.warn({ event: 'load.sample_failed', err: error }, 'pressure reading failed'),
  });
  app.addHook('onClose', async () => sampler.stop());
  // Compiling every route's schemas when the app becomes ready blocks the event loop once; the
  // samples that span it measure start-up, not load. Event-loop pressure counts from two samples
  // after ready on (memory pressure at once).
  let warmedUp = false;
  app.addHook('onReady', async () => {
    setTimeout(() => (warmedUp = true), 2 * options.sampleIntervalMs).unref();
  });
  /** The first pressure found, event-loop delay before memory; undefined when there is none. */
  const pressure = (): { type: string; value: number } | undefined => {
    const { eventLoopDelay, heapUsed, rssBytes, takenAt } = sampler.latest();
    // A delay reading the timer has not refreshed for three intervals describes a past moment:
    // it must not keep shedding (issue 20 §2: one 1.6 s sample shed 99.4% for 14 s). The
    // in-flight limit, which needs no timer, covers the saturation meanwhile.
    const fresh = performance.now() - takenAt < 3 * options.sampleIntervalMs;
    const delayLimit = options.maxEventLoopDelayMs;
    if (warmedUp && fresh && delayLimit > 0 && eventLoopDelay > delayLimit)
      return { type: 'eventLoopDelay', value: eventLoopDelay };
    if (options.maxHeapUsedBytes > 0 && heapUsed > options.maxHeapUsedBytes)
      return { type: 'heapUsedBytes', value: heapUsed };
    if (options.maxRssBytes > 0 && rssBytes > options.maxRssBytes)
      return { type: 'rssBytes', value: rssBytes };
    return undefined;
  };
  app.decorate('isUnderPressure', () => pressure() !== undefined);
  app.decorate('memoryUsage', () => sampler.latest());

  let lastLogAt = -Infinity;
  let unlogged = 0;
  const recordShed = (type: string, value: number, log = app.log) => {
    app.metrics.loadShed.inc({ reason: type });
    // One line per second at most: under a flood, a line per shed request is itself the overload.
    const now = performance.now();
    if (now - lastLogAt < 1_000) {
      unlogged += 1;
      return;
    }
    log.warn({ event: 'load.shed', pressure: type, value, suppressed: unlogged }, 'request shed');
    lastLogAt = now;
    unlogged = 0;
  };
  const { limiter } = installAdmission(app.server, {
    maxQueueMs: options.maxQueueMs,
    overloadQueueMs: options.overloadQueueMs,
    overloadHoldMs: options.overloadHoldMs,
    concurrencyMin: options.concurrencyMin,
    concurrencyMax: options.concurrencyMax,
    concurrencyToleratedMs: options.concurrencyToleratedMs,
    exemptPaths: options.exemptFromConcurrency,
    publicBaseUrl: options.publicBaseUrl,
    retryAfterSeconds: SHED_RETRY_AFTER_SECONDS,
    onShed: (reason, value) => recordShed(reason, value),
  });
  app.metrics.sources.concurrency = limiter
    ? () => ({ limit: limiter.limit(), inFlight: limiter.inFlight() })
    : undefined;
  // A callback hook (a throw in it reaches Fastify's error path all the same): every request walks it.
  app.addHook('onRequest', (request: FastifyRequest, _reply, done) => {
    if (exempt.has(request.routeOptions.url ?? '')) return done();
    const found = pressure();
    if (!found) return done();
    recordShed(found.type, found.value, request.log);
    throw new ApiError(
      'service_unavailable',
      'The server is overloaded right now. Retry after the delay in Retry-After.',
      { headers: { 'retry-after': String(SHED_RETRY_AFTER_SECONDS) } },
    );
  });
}

export const loadShedding = fp(loadSheddingPlugin, { name: 'steadfast-load-shedding' });
