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
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const latest: PressureSample = { eventLoopDelay: 0, heapUsed: 0, rssBytes: 0, takenAt: 0 };

  const sample = () => {
    try {
      // The histogram's mean includes the sampling resolution itself; report only the excess.
      const mean = delay.mean / 1e6;
      latest.eventLoopDelay = Number.isFinite(mean) ? Math.max(0, mean - 10) : 0;
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
