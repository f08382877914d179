import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { ApiError } from '../errors/api-error.js';

export interface LoadSheddingOptions {
  /** Mean event-loop delay (ms) over one sample above which requests are shed; 0 = off. */
  maxEventLoopDelayMs: number;
  /** V8 heap in use (bytes) above which requests are shed; 0 = off. */
  maxHeapUsedBytes: number;
  /** Resident set size (bytes) above which requests are shed; 0 = off. */
  maxRssBytes: number;
  /** How often the process measures itself (ms). */
  sampleIntervalMs: number;
  /** Route patterns never shed. */
  exempt: string[];
}

/**
 * Seconds a shed client should wait. Short: saturation is usually a burst, and the load balancer
 * will route most retries to another instance anyway.
 */
export const SHED_RETRY_AFTER_SECONDS = 2;

/**
 * Load shedding with @fastify/under-pressure: when the process is saturated (event loop lagging,
 * memory over a threshold) it answers 503 service_unavailable + Retry-After at once, in onRequest,
 * before authentication or any database work, instead of queueing requests it would serve late.
 *
 * Liveness is exempt: a saturated process is alive, and failing /livez would get it restarted,
 * dropping everything it is still serving. Readiness is NOT exempt, so while saturated the load
 * balancer sees /readyz fail and sends traffic elsewhere.
 */
async function loadSheddingPlugin(app: FastifyInstance, options: LoadSheddingOptions) {
  const exempt = new Set(options.exempt);
  // Compiling every route's schemas when the app becomes ready blocks the event loop once; the
  // samples that span it measure start-up, not load. Event-loop pressure counts from two samples
  // after ready on (memory pressure at once).
  let warmedUp = false;
  const overMemory = () => {
    const { heapUsed, rss } = process.memoryUsage();
    return (
      (options.maxHeapUsedBytes > 0 && heapUsed > options.maxHeapUsedBytes) ||
      (options.maxRssBytes > 0 && rss > options.maxRssBytes)
    );
  };
  // A sample interval in which the event-loop histogram recorded nothing has a NaN mean, which
  // under-pressure reports as an infinite delay, so it shed requests at any threshold (issue 14,
  // defect 9: a 30 s threshold, a process starved of CPU for about a second). No sample means the
  // loop did not turn for a whole interval, but not for how long: that is read from our own timer
  // instead, by how late it fired, and compared with the threshold like any measured delay.
  let lateness = 0;
  let lastTick = performance.now();
  const clock = setInterval(() => {
    const now = performance.now();
    lateness = Math.max(0, now - lastTick - options.sampleIntervalMs);
    lastTick = now;
  }, options.sampleIntervalMs).unref();
  app.addHook('onClose', async () => clearInterval(clock));
  const delayOf = (value: number | undefined) =>
    value !== undefined && Number.isFinite(value) ? value : lateness;
  const overEventLoopDelay = (value: number | undefined) =>
    warmedUp && delayOf(value) > options.maxEventLoopDelayMs;
  app.addHook('onReady', async () => {
    setTimeout(() => (warmedUp = true), 2 * options.sampleIntervalMs).unref();
  });
  await app.register(underPressure, {
    maxEventLoopDelay: options.maxEventLoopDelayMs,
    maxHeapUsedBytes: options.maxHeapUsedBytes,
    maxRssBytes: options.maxRssBytes,
    sampleInterval: options.sampleIntervalMs,
    exposeStatusRoute: false,
    // Resolving lets the request through; rejecting hands the ApiError to the one error handler,
    // so the 503 is problem+json like every other error.
    pressureHandler: async (request, _reply, type, value) => {
      if (request.routeOptions.url !== undefined && exempt.has(request.routeOptions.url)) return;
      // under-pressure reports only the first pressure it finds, event-loop delay before memory.
      if (type === 'eventLoopDelay' && !overEventLoopDelay(value) && !overMemory()) return;
      request.log.warn(
        {
          event: 'load.shed',
          pressure: type,
          value: type === 'eventLoopDelay' ? delayOf(value) : value,
        },
        'request shed',
      );
      throw new ApiError(
        'service_unavailable',
        'The server is overloaded right now. Retry after the delay in Retry-After.',
        { headers: { 'retry-after': String(SHED_RETRY_AFTER_SECONDS) } },
      );
    },
  });
}

export const loadShedding = fp(loadSheddingPlugin, { name: 'steadfast-load-shedding' });
