import {
  versionedRequest,
  versionedResponse,
} from '../../../platform/versioning/representation.js';
import {
  CreatePaymentBody,
  CreateRefundBody,
  Payment,
  Refund,
  type CreatePaymentInput,
  type PaymentView,
  type RefundView,
} from '../schemas.js';
import {
  createPaymentMoneyObjects,
  createRefundMoneyObjects,
  paymentMoneyObjects,
  refundMoneyObjects,
  type RefundContext,
} from './v2-money-objects.js';

export type { RefundContext };

/** A payment as each API version shows it: the core shape, then each change since, in order. */
export const paymentRepresentation = versionedResponse<PaymentView>(Payment, [paymentMoneyObjects]);

/** A refund as each API version shows it (from v2 on, it needs the payment's currency). */
export const refundRepresentation = versionedResponse<RefundView, RefundContext>(Refund, [
  refundMoneyObjects,
]);

/** The pay body each API version accepts. */
export const createPaymentRequest = versionedRequest<CreatePaymentInput>(CreatePaymentBody, [
  createPaymentMoneyObjects,
]);

/** The refund body each API version accepts (from v2 on, checked against the payment's currency). */
export const createRefundRequest = versionedRequest<{ amount?: number }, RefundContext>(
  CreateRefundBody,
  [createRefundMoneyObjects],
);

/** Every change to payments and refunds, for the changelog in each version's document. */
export const paymentChanges = [
  ...paymentRepresentation.changes,
  ...createPaymentRequest.changes,
  ...refundRepresentation.changes,
  ...createRefundRequest.changes,
];
