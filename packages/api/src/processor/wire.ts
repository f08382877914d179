/**
 * The processor's wire format (snake_case JSON) mapped to and from ours, in one place. An answer
 * that does not have the expected shape is not trusted: the caller cannot tell what happened.
 */
import type {
  ChargeRequest,
  ChargeResult,
  RefundRequest,
  RefundResult,
  RejectionReason,
} from './types.js';

/** A 2xx answer whose body is not what the processor documents. */
export class MalformedAnswerError extends Error {
  constructor(what: string) {
    super(`the processor's ${what} answer is malformed`);
    this.name = 'MalformedAnswerError';
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isAmount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

export const chargeBody = (request: ChargeRequest) =>
  JSON.stringify({
    amount: request.amount,
    currency: request.currency,
    payment_method: request.paymentMethod,
    reference: request.reference,
  });

export const refundBody = (request: RefundRequest) =>
  JSON.stringify({
    charge_id: request.chargeId,
    amount: request.amount,
    reference: request.reference,
  });

export function toChargeResult(body: unknown): ChargeResult {
  if (
    !isObject(body) ||
    typeof body.id !== 'string' ||
    !isAmount(body.amount) ||
    typeof body.currency !== 'string'
  ) {
    throw new MalformedAnswerError('charge');
  }
  const common = { chargeId: body.id, amount: body.amount, currency: body.currency };
  if (body.status === 'succeeded') return { status: 'succeeded', ...common };
  if (
    body.status === 'declined' &&
    (body.decline_code === 'insufficient_funds' || body.decline_code === 'card_declined')
  ) {
    return { status: 'declined', ...common, declineCode: body.decline_code };
  }
  throw new MalformedAnswerError('charge');
}

export function toRefundResult(body: unknown): RefundResult {
  if (
    !isObject(body) ||
    typeof body.id !== 'string' ||
    !isAmount(body.amount) ||
    body.status !== 'succeeded'
  ) {
    throw new MalformedAnswerError('refund');
  }
  return { status: 'succeeded', refundId: body.id, amount: body.amount };
}

/** The processor's own error type and message, for logs and ProcessorRejectedError (no request data). */
export function describeRejection(status: number, body: unknown): string {
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  const type = typeof error.type === 'string' ? error.type : 'unknown';
  const message = typeof error.message === 'string' ? `: ${error.message}` : '';
  return `processor rejected the request (${status} ${type})${message}`;
}

/**
 * What a 4xx means, from the processor's error object: `code: payment_method_unknown` (or, as
 * Stripe-like processors say it, `param: payment_method`) is a payment method it does not know;
 * `type: idempotency_error` is a key it already used for another request; anything else is a
 * request it refused as malformed.
 */
export function rejectionReason(body: unknown): RejectionReason {
  const error = isObject(body) && isObject(body.error) ? body.error : {};
  if (error.code === 'payment_method_unknown' || error.param === 'payment_method') {
    return 'payment_method_unknown';
  }
  if (error.type === 'idempotency_error') return 'idempotency_conflict';
  return 'invalid_request';
}
