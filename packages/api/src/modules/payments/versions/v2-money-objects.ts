import { Type } from 'typebox';
import { validationFailed } from '../../../platform/errors/api-error.js';
import { MoneySchema, money, type Money } from '../../../platform/money/money.js';
import type { RequestChange, ResponseChange } from '../../../platform/versioning/representation.js';
import {
  AMOUNT_BOUNDS,
  DeclineCode,
  MONEY_BOUNDS,
  OrderRef,
  PAYMENT_EXAMPLE,
  PaymentId,
  PaymentMethod,
  PaymentStatus,
  REFUND_EXAMPLE,
  RefundId,
  RefundStatus,
  Timestamp,
  type CreatePaymentInput,
  type PaymentView,
  type RefundView,
} from '../schemas.js';

/*
 * v2: money is an object `{ amount, currency }`. Payments: `amount` + `currency` become
 * `amount_money`, `amount_refunded` becomes `refunded_money`. Refunds: `amount` becomes
 * `amount_money`, in the currency of the payment it refunds.
 */

const ResponseMoney = (description: string) => MoneySchema(MONEY_BOUNDS, description);
const RequestMoney = (description: string) => MoneySchema(AMOUNT_BOUNDS, description);

const paymentV2 = (payment: PaymentView) => ({
  id: payment.id,
  object: payment.object,
  order_id: payment.order_id,
  amount_money: money(payment.amount, payment.currency),
  status: payment.status,
  payment_method: payment.payment_method,
  decline_code: payment.decline_code,
  refunded_money: money(payment.amount_refunded, payment.currency),
  created_at: payment.created_at,
  updated_at: payment.updated_at,
});

export type PaymentV2 = ReturnType<typeof paymentV2>;

export const PaymentV2 = Type.Object(
  {
    id: PaymentId,
    object: Type.Literal('payment'),
    order_id: OrderRef,
    amount_money: ResponseMoney('What the payment charges, in the order’s currency.'),
    status: PaymentStatus,
    payment_method: PaymentMethod,
    decline_code: DeclineCode,
    refunded_money: ResponseMoney('Sum of its succeeded refunds.'),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false, examples: [paymentV2(PAYMENT_EXAMPLE as PaymentView)] },
);

export const paymentMoneyObjects: ResponseChange<PaymentView, PaymentV2> = {
  since: 'v2',
  description:
    'Payments: `amount` and `currency` become the money object `amount_money`, and `amount_refunded` becomes `refunded_money`.',
  schema: PaymentV2,
  up: paymentV2,
};

/** What presenting a refund needs that the refund itself does not hold. */
export interface RefundContext {
  /** The currency of the payment refunded. */
  currency: string;
}

const refundV2 = (refund: RefundView, context: RefundContext) => ({
  id: refund.id,
  object: refund.object,
  payment_id: refund.payment_id,
  amount_money: money(refund.amount, context.currency),
  status: refund.status,
  created_at: refund.created_at,
  updated_at: refund.updated_at,
});

export type RefundV2 = ReturnType<typeof refundV2>;

export const RefundV2 = Type.Object(
  {
    id: RefundId,
    object: Type.Literal('refund'),
    payment_id: PaymentId,
    amount_money: ResponseMoney('What is refunded, in the payment’s currency.'),
    status: RefundStatus,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  {
    additionalProperties: false,
    examples: [refundV2(REFUND_EXAMPLE as RefundView, { currency: 'EUR' })],
  },
);

export const refundMoneyObjects: ResponseChange<RefundView, RefundV2, RefundContext> = {
  since: 'v2',
  description:
    'Refunds: `amount` becomes the money object `amount_money`, in the currency of the payment.',
  schema: RefundV2,
  up: refundV2,
};

export const CreatePaymentBodyV2 = Type.Object(
  {
    order_id: OrderRef,
    amount_money: Type.Optional(
      RequestMoney(
        'Defaults to the order’s unpaid balance; may not exceed it, and must be in the order’s currency.',
      ),
    ),
    payment_method: PaymentMethod,
  },
  {
    additionalProperties: false,
    examples: [
      {
        order_id: 'ord_01jdq41m2n3p4q5r6s7t8v9w0x',
        amount_money: { amount: 4500, currency: 'EUR' },
        payment_method: 'pm_card_visa',
      },
    ],
  },
);

interface CreatePaymentV2 {
  order_id: string;
  amount_money?: Money;
  payment_method: string;
}

export const createPaymentMoneyObjects: RequestChange<CreatePaymentInput, CreatePaymentV2> = {
  since: 'v2',
  description:
    'Paying: `amount` and `currency` are sent together as `amount_money` (still optional: the unpaid balance by default).',
  schema: CreatePaymentBodyV2,
  down: (body) => ({
    order_id: body.order_id,
    ...(body.amount_money === undefined
      ? {}
      : { amount: body.amount_money.amount, currency: body.amount_money.currency }),
    payment_method: body.payment_method,
  }),
  pointer: (previous) =>
    ({ '/amount': '/amount_money/amount', '/currency': '/amount_money/currency' })[previous] ??
    previous,
};

export const CreateRefundBodyV2 = Type.Object(
  {
    amount_money: Type.Optional(
      RequestMoney(
        'Defaults to everything not yet refunded; must be in the currency of the payment.',
      ),
    ),
  },
  {
    additionalProperties: false,
    examples: [{ amount_money: { amount: 1500, currency: 'EUR' } }],
  },
);

interface CreateRefundV2 {
  amount_money?: Money;
}

export const createRefundMoneyObjects: RequestChange<
  { amount?: number },
  CreateRefundV2,
  RefundContext
> = {
  since: 'v2',
  description:
    'Refunding: `amount` is sent as `amount_money`, in the currency of the payment (still optional: the rest of the payment by default).',
  schema: CreateRefundBodyV2,
  down(body, context) {
    if (body.amount_money === undefined) return {};
    if (body.amount_money.currency !== context.currency) {
      throw validationFailed({
        in: 'body',
        pointer: '/amount_money/currency',
        detail: `must be ${context.currency}, the currency of the payment`,
      });
    }
    return { amount: body.amount_money.amount };
  },
  pointer: (previous) => (previous === '/amount' ? '/amount_money/amount' : previous),
};
