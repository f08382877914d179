/** A payment or refund entering a new state, reported after the change has committed. */
export interface Transition {
  kind: 'payment' | 'refund';
  id: string;
  /** null when the resource was just created. */
  from: string | null;
  to: string;
  /** The API request that moved it, or the reconciliation job. */
  via: 'request' | 'reconciliation';
}

/** Receives every committed transition (the app logs it and counts it in metrics). */
export type TransitionObserver = (transition: Transition) => void;

/**
 * Told after a commit that changed an order row (amounts, status), so cached copies of the order
 * are dropped on every instance. Never rejects.
 */
export type OrderChangeListener = (accountId: string, orderId: string) => Promise<void>;

/** For callers that cache no orders. */
export const ignoreOrderChanges: OrderChangeListener = async () => undefined;

/** For callers that do not observe transitions. */
export const ignoreTransitions: TransitionObserver = () => undefined;
