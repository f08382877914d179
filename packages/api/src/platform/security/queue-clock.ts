/**
 * How long the current request has waited behind the others of the same event-loop turn: a
 * queueing time read per request, with no timer to go stale (issue 20 §2).
 *
 * Node parses every socket that became readable in one poll phase of the loop, one after the
 * other, and a request whose hooks and handler do no real I/O (SQLite, in-memory caches) runs to
 * completion before the next socket is even read. Under a burst of N such requests, the last one
 * starts N × (service time) after the first: that is its queueing time, invisible to a count of
 * requests in flight. The turn starts with its first request and ends at the check phase
 * (setImmediate), so nothing runs while no requests arrive. The idea is CoDel's: shed on the time
 * spent queueing, not on the queue's length.
 */
export function createTurnQueueClock() {
  let turnStartedAt: number | undefined;
  const endTurn = () => {
    turnStartedAt = undefined;
  };
  return {
    /** Milliseconds since the first request of this event-loop turn started. */
    queuedMs(): number {
      const now = performance.now();
      if (turnStartedAt === undefined) {
        turnStartedAt = now;
        setImmediate(endTurn);
        return 0;
      }
      return now - turnStartedAt;
    },
  };
}

/**
 * Whether a request that waited `queuedMs` in its turn is refused.
 *
 * Two bounds on the wait (measured in bench/overload, issue 20): `maxQueueMs` (100 ms) lets a
 * busy but sustainable load through (50 closed-loop clients on a 1 ms list queue ~60 ms per
 * turn, and a 20 ms bound refused 5% of them), while in a flood a 100 ms bound means refusals
 * that take over 100 ms and 100 ms turns. So once the normal bound is exceeded in two turns
 * within `overloadHoldMs` (a flood, not one slow turn: a GC pause or one slow query must not
 * shed a healthy load for a second), `overloadQueueMs` (20 ms) applies for `overloadHoldMs`:
 * refusals come sooner and turns stay short during the flood, and the normal bound is back at
 * most one hold after it. The hold is not extended while it runs, so it cannot latch (issue 20
 * §2: a stale reading once refused 99.4% for 14 s).
 */
export function createQueueBound(options: {
  maxQueueMs: number;
  overloadQueueMs: number;
  overloadHoldMs: number;
}): (queuedMs: number, now?: number) => boolean {
  const strict = Math.min(options.overloadQueueMs, options.maxQueueMs);
  /** performance.now() until which the stricter overload bound applies. */
  let overloadedUntil = -Infinity;
  /** When the normal bound was first exceeded in the current episode. */
  let firstExceededAt = -Infinity;
  return (queuedMs, now = performance.now()) => {
    if (options.maxQueueMs <= 0 || queuedMs <= strict) return false;
    if (now < overloadedUntil) return true;
    if (queuedMs <= options.maxQueueMs) return false;
    // Refusals of one turn come within one turn; another turn's come maxQueueMs later at least.
    if (now - firstExceededAt > options.overloadHoldMs) firstExceededAt = now;
    else if (now - firstExceededAt >= options.maxQueueMs) {
      overloadedUntil = now + options.overloadHoldMs;
      firstExceededAt = -Infinity;
    }
    return true;
  };
}
