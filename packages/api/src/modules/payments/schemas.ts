import { Type, type Static } from 'typebox';
import { idPattern } from '../../platform/ids/ids.js';
import { MONEY_BOUNDS } from '../orders/schemas.js';

export const Timestamp = Type.String({ format: 'date-time' });
const Currency = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'ISO 4217 code; must be the order’s currency.',
});
/** What a client may ask to charge or refund. */
export const AMOUNT_BOUNDS = { minimum: 1, maximum: 1_000_000_000_000 };
/** What a payment can hold: an order's whole balance, up to 10^14 minor units (orders/schemas.ts). */
export { MONEY_BOUNDS };
const Amount = Type.Integer({ ...AMOUNT_BOUNDS, description: 'Minor units (cents).' });

export const PaymentId = Type.String({
  pattern: idPattern('pay'),
  description: 'Payment id (`pay_…`).',
  examples: ['pay_01jdq6a1b2c3d4e5f6g7h8j9k0'],
});
export const RefundId = Type.String({
  pattern: idPattern('re'),
  description: 'Refund id (`re_…`).',
  examples: ['re_01jdq6b1c2d3e4f5g6h7j8k9m0'],
});
export const OrderRef = Type.String({
  pattern: idPattern('ord'),
  description: 'The order paid (`ord_…`).',
});

export const PaymentStatus = Type.Union(
  [
    Type.Literal('processing'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('requires_reconciliation'),
  ],
  {
    description:
      '`processing` → `succeeded` | `failed`; `requires_reconciliation` when the processor’s answer is unknown (resolved by reconciliation).',
  },
);

export const PaymentMethod = Type.String({
  pattern: '^pm_[a-z0-9_]{1,60}$',
  description: 'A payment-method token; in the sandbox, one of the test tokens in the README.',
  examples: ['pm_card_visa'],
});

export const DeclineCode = Type.Union([Type.String({ pattern: '^[a-z_]{1,64}$' }), Type.Null()], {
  description: '`insufficient_funds`, `card_declined`, or why a payment was abandoned.',
});

export const PAYMENT_EXAMPLE = {
  id: 'pay_01jdq6a1b2c3d4e5f6g7h8j9k0',
  object: 'payment',
  order_id: 'ord_01jdq41m2n3p4q5r6s7t8v9w0x',
  amount: 4500,
  currency: 'EUR',
  status: 'succeeded',
  payment_method: 'pm_card_visa',
  decline_code: null,
  amount_refunded: 0,
  created_at: '2026-11-25T10:06:00.000Z',
  updated_at: '2026-11-25T10:06:01.000Z',
};

export const Payment = Type.Object(
  {
    id: PaymentId,
    object: Type.Literal('payment'),
    order_id: OrderRef,
    amount: Type.Integer({ ...MONEY_BOUNDS }),
    currency: Currency,
    status: PaymentStatus,
    payment_method: PaymentMethod,
    decline_code: DeclineCode,
    amount_refunded: Type.Integer({ ...MONEY_BOUNDS }),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false, examples: [PAYMENT_EXAMPLE] },
);
export type PaymentView = Static<typeof Payment>;

export const CreatePaymentBody = Type.Object(
  {
    order_id: OrderRef,
    amount: Type.Optional({
      ...Amount,
      description: 'Defaults to the order’s unpaid balance; may not exceed it.',
    }),
    currency: Type.Optional(Currency),
    payment_method: PaymentMethod,
  },
  {
    additionalProperties: false,
    examples: [{ order_id: 'ord_01jdq41m2n3p4q5r6s7t8v9w0x', payment_method: 'pm_card_visa' }],
  },
);
export type CreatePaymentInput = Static<typeof CreatePaymentBody>;

export const PaymentParams = Type.Object({ id: PaymentId }, { additionalProperties: false });
/** Filters of the payment list, beside the page parameters. */
export const PaymentFilters = {
  order_id: Type.Optional(OrderRef),
  status: Type.Optional(PaymentStatus),
};

export const RefundStatus = Type.Union([
  Type.Literal('pending'),
  Type.Literal('succeeded'),
  Type.Literal('failed'),
  Type.Literal('requires_reconciliation'),
]);

export const REFUND_EXAMPLE = {
  id: 're_01jdq6b1c2d3e4f5g6h7j8k9m0',
  object: 'refund',
  payment_id: 'pay_01jdq6a1b2c3d4e5f6g7h8j9k0',
  amount: 1500,
  status: 'succeeded',
  created_at: '2026-11-25T11:00:00.000Z',
  updated_at: '2026-11-25T11:00:01.000Z',
};

export const Refund = Type.Object(
  {
    id: RefundId,
    object: Type.Literal('refund'),
    payment_id: PaymentId,
    amount: Type.Integer({ ...MONEY_BOUNDS }),
    status: RefundStatus,
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  { additionalProperties: false, examples: [REFUND_EXAMPLE] },
);
export type RefundView = Static<typeof Refund>;

export const CreateRefundBody = Type.Object(
  { amount: Type.Optional({ ...Amount, description: 'Defaults to everything not yet refunded.' }) },
  { additionalProperties: false, examples: [{ amount: 1500 }] },
);
export const RefundParams = Type.Object({ id: RefundId }, { additionalProperties: false });
