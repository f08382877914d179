/**
 * The payment processor as the rest of the API sees it: charges and refunds in integer minor
 * units, and three failure kinds that tell the caller what it may conclude about money moved.
 */

export interface ChargeRequest {
  /**
   * Sent as the processor's `Idempotency-Key` on every attempt of this call (derive it from the
   * payment id, e.g. `pay_…`): the processor then performs the charge at most once however often
   * it is retried, and findCharge() finds it again after an unknown outcome.
   */
  idempotencyKey: string;
  amount: number;
  currency: string;
  /** A payment-method token (`pm_…`); never logged. */
  paymentMethod: string;
  reference: string;
}

export type ChargeResult =
  | { status: 'succeeded'; chargeId: string; amount: number; currency: string }
  | {
      status: 'declined';
      chargeId: string;
      amount: number;
      currency: string;
      declineCode: 'insufficient_funds' | 'card_declined';
    };

export interface RefundRequest {
  /** Sent as `Idempotency-Key` on every attempt, like ChargeRequest.idempotencyKey. */
  idempotencyKey: string;
  chargeId: string;
  amount: number;
  reference: string;
}

export interface RefundResult {
  status: 'succeeded';
  refundId: string;
  amount: number;
}

/** Fails fast: the breaker is open, or every attempt was refused before the processor could act (connection refused). Nothing was charged. */
export class ProcessorUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
    this.name = 'ProcessorUnavailableError';
  }
}

/** A request may have reached the processor but no answer came within the deadline: the outcome is unknown; reconcile later. */
export class ProcessorOutcomeUnknownError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProcessorOutcomeUnknownError';
  }
}

/**
 * Why the processor refused a request (a 4xx, never retried):
 * - `payment_method_unknown`: it has no such payment method; nothing was charged.
 * - `idempotency_conflict`: it already holds a different request under this key, so something
 *   may have been done under it; only a lookup by key can tell what.
 * - `invalid_request`: it refused the request as malformed (a bug on our side); nothing was done.
 */
export type RejectionReason = 'payment_method_unknown' | 'idempotency_conflict' | 'invalid_request';

/** The processor answered 4xx: it refused the request (see RejectionReason for what that implies). */
export class ProcessorRejectedError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason: RejectionReason = 'invalid_request',
  ) {
    super(message);
    this.name = 'ProcessorRejectedError';
  }
}

export interface ProcessorClient {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(request: RefundRequest): Promise<RefundResult>;
  /** Reconciliation: what the processor knows under this idempotency key; null if it never saw it. */
  findCharge(idempotencyKey: string): Promise<ChargeResult | null>;
  findRefund(idempotencyKey: string): Promise<RefundResult | null>;
  /** Circuit state for readiness/metrics later. */
  breakerState(): 'closed' | 'open' | 'half_open';
}
