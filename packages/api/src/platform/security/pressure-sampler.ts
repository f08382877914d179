import { getHeapStatistics } from 'node:v8';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/** One reading of the process's own saturation. */
export interface PressureSample {
  /** Mean event-loop delay over the last interval, ms. */
  eventLoopDelay: number;
  /** V8 heap in use, bytes. */
  heapUsed: number;
  /** Resident set size, bytes (0 until first read; only read when a threshold needs it). */
  rssBytes: number;
  /** performance.now() of the reading: a reading the timer could not refresh is stale. */
  takenAt: number;
}

/** Resolution of the event-loop delay histogram, ms. */
const RESOLUTION_MS = 10;

export interface PressureSamplerOptions {
  intervalMs: number;
  /** Read the RSS too (it needs a file descriptor on Linux, so only when a threshold uses it). */
  readRss: boolean;
  /** Told about a failed reading; the previous value stays in force. */
  onError: (error: unknown) => void;
}

/**
 * A timer that measures the process and can never throw into the event loop (issue 20 §1: the
 * former sampler, @fastify/under-pressure's, called process.memoryUsage(), which opens
 * /proc/self/stat and threw an uncaught EMFILE once connections had used every descriptor).
 * The heap comes from V8 (no descriptor); the RSS read may fail and then keeps its last value.
 */
export function startPressureSampler(options: PressureSamplerOptions) {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const latest: PressureSample = { eventLoopDelay: 0, heapUsed: 0, rssBytes: 0, takenAt: 0 };
  let lastTick = performance.now();

  const sample = () => {
    try {
      const now = performance.now();
      // Our own timer's lateness is a delay observation too. In the turn that ends a long block,
      // this timer can run before the histogram's, and the reset below then loses the block: the
      // histogram reads no observation at all (a 1.5 s block went unseen). Count the lateness
      // when the histogram's largest observation does not already cover it.
      const lateness = Math.max(0, now - lastTick - options.intervalMs);
      lastTick = now;
      const count = delay.count;
      // The histogram's observations include the sampling resolution itself; only the excess counts.
      let excess = count > 0 ? delay.mean / 1e6 - RESOLUTION_MS : 0;
      if (lateness > delay.max / 1e6) excess = (excess * count + lateness) / (count + 1);
      latest.eventLoopDelay = Number.isFinite(excess) ? Math.max(0, excess) : 0;
      delay.reset();
      latest.heapUsed = getHeapStatistics().used_heap_size;
      latest.takenAt = performance.now();
      if (options.readRss) latest.rssBytes = process.memoryUsage.rss();
    } catch (error) {
      try {
        options.onError(error);
      } catch {
        // A failing logger must not turn a failed reading into a crash either.
      }
    }
  };
  sample();
  const timer = setInterval(sample, options.intervalMs);
  timer.unref();

  return {
    /** The latest reading. */
    latest: (): PressureSample => latest,
    stop: () => {
      clearInterval(timer);
      delay.disable();
    },
  };
}
