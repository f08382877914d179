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
