/**
 * An adaptive limit on requests in flight, driven by their measured latency: the idea of Netflix's
 * concurrency-limits (Gradient2) and Envoy's adaptive-concurrency filter. Every decision is made
 * per request from state that requests themselves update, never from a timer reading, which goes
 * stale exactly when thousands of busy sockets starve the timers (issue 20 §2).
 *
 * While the limit is right, admitted requests do not queue, so their latency stays near the
 * unloaded latency. When latency over a short window rises above the long-run average, the limit
 * shrinks in proportion; when it is back, the limit grows by a small queue allowance per window.
 *
 * Only above an absolute latency (`toleratedMs`): a relative rule alone treats every rise as
 * congestion, and 50 closed-loop clients on two cores (a busy server, answering in ~40 ms) had
 * 0.44% of a 10-minute soak refused whenever a GC pause or a checkpoint lifted one window's
 * latency above 1.5× the average (bench/RESULTS.md, issue 19). The default, 100 ms, is the same
 * amount of queueing the turn clock tolerates by default (LOAD_SHED_MAX_QUEUE_MS); the two are
 * separate settings. A window mixes endpoints, so fast cache hits pull its mean down.
 */

export interface ConcurrencyLimitOptions {
  /** Lowest limit: some requests are always admitted, so the measurements never stop. */
  min: number;
  /** Highest limit. */
  max: number;
  /** Mean latency of a window at or below which it is never congestion: the limit only grows. */
  toleratedMs: number;
}

/** Latency samples per short window. */
const WINDOW_SAMPLES = 20;
/** A window also ends after this long, so a slow trickle still updates the limit. */
const WINDOW_MS = 250;
/** Windows in the long-run average (exponential smoothing over about this many). */
const LONG_WINDOWS = 100;
/** Latency up to this multiple of the long-run average is not yet congestion. */
const TOLERANCE = 1.5;
/** Share of each lower estimate taken into the limit: damps oscillation. */
const SMOOTHING = 0.2;
const INITIAL_LIMIT = 32;

export function createConcurrencyLimit(options: ConcurrencyLimitOptions) {
  // Start low and probe upwards: a start at the maximum under load would take the overloaded
  // latency for the normal one (as Gradient2 does, from its initial limit of 20).
  let limit = Math.max(options.min, Math.min(options.max, INITIAL_LIMIT));
  let inFlight = 0;
  let windowSum = 0;
  let windowCount = 0;
  let windowStart = performance.now();
  let longRtt = 0;

  function endWindow(now: number): void {
    const shortRtt = windowSum / windowCount;
    windowSum = 0;
    windowCount = 0;
    windowStart = now;
    longRtt = longRtt === 0 ? shortRtt : longRtt + (shortRtt - longRtt) / LONG_WINDOWS;
    // After an overload the long average has drifted up; let it come down quickly with the
    // short one, or the limit would keep tolerating the overload's latency.
    if (longRtt > shortRtt * 2) longRtt = shortRtt * 2;
    const gradient =
      shortRtt <= options.toleratedMs
        ? 1
        : Math.max(0.5, Math.min(1, (TOLERANCE * longRtt) / shortRtt));
    let next: number;
    if (gradient === 1) {
      // Growing while most of the limit is unused would let it run away from the real capacity.
      if (inFlight < limit / 2) return;
      next = limit + Math.sqrt(limit);
    } else {
      next = limit * (1 - SMOOTHING) + (limit * gradient + Math.sqrt(limit)) * SMOOTHING;
    }
    limit = Math.max(options.min, Math.min(options.max, next));
  }

  return {
    /** Admits a request (true) or refuses it (false); an admitted one must call the returned release. */
    tryAcquire(): (() => void) | undefined {
      if (inFlight >= Math.floor(limit)) return undefined;
      inFlight += 1;
      const startedAt = performance.now();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        inFlight -= 1;
        const now = performance.now();
        windowSum += now - startedAt;
        windowCount += 1;
        if (windowCount >= WINDOW_SAMPLES || now - windowStart >= WINDOW_MS) endWindow(now);
      };
    },
    /** The current limit (whole requests). */
    limit: () => Math.floor(limit),
    /** Admitted requests not yet answered. */
    inFlight: () => inFlight,
  };
}

export type ConcurrencyLimit = ReturnType<typeof createConcurrencyLimit>;
