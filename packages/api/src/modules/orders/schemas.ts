import { Text } from '../../platform/validation/text.js';
import { Type, type Static } from 'typebox';
import { idPattern } from '../../platform/ids/ids.js';
import { UserId } from '../users/schemas.js';

const ORDER_EXAMPLE_ID = 'ord_01jdq41m2n3p4q5r6s7t8v9w0x';
export const OrderId = Type.String({
  pattern: idPattern('ord'),
  description: 'Order id (`ord_…`).',
  examples: [ORDER_EXAMPLE_ID],
});
export const OrderStatus = Type.Union(
  [
    Type.Literal('pending_payment'),
    Type.Literal('canceled'),
    Type.Literal('paid'),
    Type.Literal('partially_refunded'),
    Type.Literal('refunded'),
  ],
  {
    description:
      '`pending_payment` → `paid` (once payments cover the total) → `partially_refunded` → `refunded`; `pending_payment` → `canceled` (only while no payment is processing or succeeded).',
  },
);
const Currency = Type.String({
  pattern: '^[A-Z]{3}$',
  description: 'ISO 4217 code, upper case.',
  examples: ['EUR'],
});
export const Timestamp = Type.String({ format: 'date-time' });
/** Minor units (cents). Bounds keep every total far below 2^53. */
const UnitAmount = Type.Integer({
  minimum: 0,
  maximum: 100_000_000,
  description: 'Price of one unit in minor units.',
});
export const Quantity = Type.Integer({ minimum: 1, maximum: 10_000 });
export const Sku = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' });

export const MAX_ITEMS = 100;
/** Amounts the server computes: at most MAX_ITEMS × 10 000 × 100 000 000 = 10^14 minor units. */
export const MONEY_BOUNDS = { minimum: 0, maximum: 100_000_000_000_000 };

const OrderItem = Type.Object(
  {
    id: Type.String({ pattern: idPattern('item') }),
    object: Type.Literal('order_item'),
    name: Type.String({ maxLength: 120, pattern: '^[^\\u0000]*$' }),
    sku: Type.Union([Sku, Type.Null()]),
    quantity: Quantity,
    unit_amount: UnitAmount,
    amount: Type.Integer({
      ...MONEY_BOUNDS,
      description: 'quantity × unit_amount, computed by the server.',
    }),
  },
  { additionalProperties: false },
);

export const ORDER_EXAMPLE = {
  id: ORDER_EXAMPLE_ID,
  object: 'order',
  user_id: 'usr_01jdq3z7x8k2m4n6p8r0s2t4v6',
  currency: 'EUR',
  status: 'pending_payment',
  total_amount: 4500,
  amount_paid: 0,
  amount_refunded: 0,
  items: [
    {
      id: 'item_01jdq41m2n3p4q5r6s7t8v9w0y',
      object: 'order_item',
      name: 'Notebook',
      sku: 'NB-A5',
      quantity: 3,
      unit_amount: 1500,
      amount: 4500,
    },
  ],
  created_at: '2026-11-25T10:05:00.000Z',
  updated_at: '2026-11-25T10:05:00.000Z',
  canceled_at: null,
};

export const Order = Type.Object(
  {
    id: OrderId,
    object: Type.Literal('order'),
    user_id: UserId,
    currency: Currency,
    status: OrderStatus,
    total_amount: Type.Integer({
      ...MONEY_BOUNDS,
      description: 'Sum of item amounts, in minor units.',
    }),
    amount_paid: Type.Integer({
      ...MONEY_BOUNDS,
      description: 'Sum of succeeded payments, in minor units.',
    }),
    amount_refunded: Type.Integer({
      ...MONEY_BOUNDS,
      description: 'Sum of succeeded refunds, in minor units.',
    }),
    items: Type.Array(OrderItem, { maxItems: MAX_ITEMS }),
    created_at: Timestamp,
    updated_at: Timestamp,
    canceled_at: Type.Union([Timestamp, Type.Null()]),
  },
  {
    additionalProperties: false,
    examples: [ORDER_EXAMPLE],
  },
);
export type OrderView = Static<typeof Order>;

export const CreateOrderBody = Type.Object(
  {
    user_id: UserId,
    currency: Currency,
    items: Type.Array(
      Type.Object(
        {
          name: Text({ minLength: 1, maxLength: 120 }),
          sku: Type.Optional(Sku),
          quantity: Quantity,
          unit_amount: UnitAmount,
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: MAX_ITEMS },
    ),
  },
  {
    additionalProperties: false,
    examples: [
      {
        user_id: 'usr_01jdq3z7x8k2m4n6p8r0s2t4v6',
        currency: 'EUR',
        items: [{ name: 'Notebook', sku: 'NB-A5', quantity: 3, unit_amount: 1500 }],
      },
    ],
  },
);
export type CreateOrderInput = Static<typeof CreateOrderBody>;

export const OrderParams = Type.Object({ id: OrderId }, { additionalProperties: false });

/** Filters of the order list, beside the page parameters. */
export const OrderFilters = { user_id: Type.Optional(UserId), status: Type.Optional(OrderStatus) };
