import { setTimeout as sleep } from 'node:timers/promises';

/** Thrown when the run may send no more requests: the cap or the time budget is spent. */
export class BudgetExhausted extends Error {
  constructor(readonly reason: 'requests' | 'time') {
    super(
      reason === 'requests'
        ? 'request budget exhausted (raise --max-requests)'
        : 'time budget exhausted (raise --time-budget)',
    );
    this.name = 'BudgetExhausted';
  }
}

export interface BudgetOptions {
  /** Hard cap on requests in the whole run, cleanup included. */
  maxRequests: number;
  /** Hard cap on requests started per second. */
  rps: number;
  /** Epoch ms after which probes may send nothing more. */
  deadline: number;
  /** Requests held back from probes so the run can delete what it created. */
  cleanupReserve: number;
}

/**
 * The request budget: a hard cap on the count and a minimum gap of 1/rps between request starts.
 * Every request of the run, discovery and cleanup included, goes through `acquire`.
 */
export class RequestBudget {
  private sentCount = 0;
  private nextSlot = 0;
  private readonly gapMs: number;

  constructor(private readonly options: BudgetOptions) {
    this.gapMs = 1000 / options.rps;
  }

  get sent(): number {
    return this.sentCount;
  }

  get max(): number {
    return this.options.maxRequests;
  }

  /** Requests probes may still send (the cleanup reserve excluded). */
  get remaining(): number {
    return Math.max(0, this.options.maxRequests - this.options.cleanupReserve - this.sentCount);
  }

  /** Milliseconds left before the deadline. */
  get timeLeftMs(): number {
    return this.options.deadline - Date.now();
  }

  /**
   * Waits for the next slot under the rate cap and counts the request, or throws BudgetExhausted.
   * Cleanup may use the reserve and is not cut off by the deadline: leaving data behind is worse.
   */
  async acquire(purpose: 'probe' | 'cleanup'): Promise<void> {
    const limit =
      purpose === 'cleanup'
        ? this.options.maxRequests
        : this.options.maxRequests - this.options.cleanupReserve;
    if (this.sentCount >= limit) throw new BudgetExhausted('requests');
    if (purpose === 'probe' && Date.now() >= this.options.deadline) {
      throw new BudgetExhausted('time');
    }
    // The slot is taken synchronously, so concurrent callers queue instead of sharing a slot.
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + this.gapMs;
    this.sentCount += 1;
    if (slot > now) await sleep(slot - now);
  }
}
