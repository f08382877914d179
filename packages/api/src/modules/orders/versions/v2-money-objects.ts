import { Type } from 'typebox';
import { validationFailed } from '../../../platform/errors/api-error.js';
import { idPattern } from '../../../platform/ids/ids.js';
import { MoneySchema, money, type Money } from '../../../platform/money/money.js';
import type { RequestChange, ResponseChange } from '../../../platform/versioning/representation.js';
import { Text } from '../../../platform/validation/text.js';
import { UserId } from '../../users/schemas.js';
import {
  MAX_ITEMS,
  MONEY_BOUNDS,
  ORDER_EXAMPLE,
  OrderId,
  OrderStatus,
  Quantity,
  Sku,
  Timestamp,
  type CreateOrderInput,
  type OrderView,
} from '../schemas.js';

/*
 * v2: money is an object `{ amount, currency }` instead of an integer beside a separate
 * `currency` field: `total_amount`, `amount_paid`, `amount_refunded` become `total_money`,
 * `paid_money`, `refunded_money`; items' `unit_amount` and `amount` become `unit_price_money` and
 * `total_money`; the order's `currency` goes (each amount carries it). Requests send
 * `unit_price_money` per item, all in one currency.
 */

const ResponseMoney = (description: string) => MoneySchema(MONEY_BOUNDS, description);

const OrderItemV2 = Type.Object(
  {
    id: Type.String({ pattern: idPattern('item'), maxLength: 31 }),
    object: Type.Literal('order_item'),
    name: Type.String({ maxLength: 120, pattern: '^[^\\u0000]*$' }),
    sku: Type.Union([Sku, Type.Null()]),
    quantity: Quantity,
    unit_price_money: ResponseMoney('Price of one unit.'),
    total_money: ResponseMoney('quantity × unit price, computed by the server.'),
  },
  { additionalProperties: false },
);

type OrderItemV1 = OrderView['items'][number];

const itemV2 = (item: OrderItemV1, currency: string) => ({
  id: item.id,
  object: item.object,
  name: item.name,
  sku: item.sku,
  quantity: item.quantity,
  unit_price_money: money(item.unit_amount, currency),
  total_money: money(item.amount, currency),
});

const orderV2 = (order: OrderView) => ({
  id: order.id,
  object: order.object,
  user_id: order.user_id,
  status: order.status,
  total_money: money(order.total_amount, order.currency),
  paid_money: money(order.amount_paid, order.currency),
  refunded_money: money(order.amount_refunded, order.currency),
  items: order.items.map((item) => itemV2(item, order.currency)),
  created_at: order.created_at,
  updated_at: order.updated_at,
  canceled_at: order.canceled_at,
});

export type OrderV2 = ReturnType<typeof orderV2>;

export const ORDER_V2_EXAMPLE = orderV2(ORDER_EXAMPLE as OrderView);

export const OrderV2 = Type.Object(
  {
    id: OrderId,
    object: Type.Literal('order'),
    user_id: UserId,
    status: OrderStatus,
    total_money: ResponseMoney('Sum of the items.'),
    paid_money: ResponseMoney('Sum of succeeded payments.'),
    refunded_money: ResponseMoney('Sum of succeeded refunds.'),
    items: Type.Array(OrderItemV2, { maxItems: MAX_ITEMS }),
    created_at: Timestamp,
    updated_at: Timestamp,
    canceled_at: Type.Union([Timestamp, Type.Null()]),
  },
  { additionalProperties: false, examples: [ORDER_V2_EXAMPLE] },
);

export const orderMoneyObjects: ResponseChange<OrderView, OrderV2> = {
  since: 'v2',
  description:
    'Orders: `total_amount`, `amount_paid`, `amount_refunded` and `currency` become the money objects `total_money`, `paid_money` and `refunded_money`; items’ `unit_amount` and `amount` become `unit_price_money` and `total_money`.',
  schema: OrderV2,
  up: orderV2,
};

export const CreateOrderBodyV2 = Type.Object(
  {
    user_id: UserId,
    items: Type.Array(
      Type.Object(
        {
          name: Text({ minLength: 1, maxLength: 120 }),
          sku: Type.Optional(Sku),
          quantity: Quantity,
          unit_price_money: MoneySchema(
            { minimum: 0, maximum: 100_000_000 },
            'Price of one unit; every item of an order is in the same currency.',
          ),
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
        items: [
          {
            name: 'Notebook',
            sku: 'NB-A5',
            quantity: 3,
            unit_price_money: { amount: 1500, currency: 'EUR' },
          },
        ],
      },
    ],
  },
);

interface CreateOrderV2 {
  user_id: string;
  items: { name: string; sku?: string; quantity: number; unit_price_money: Money }[];
}

export const createOrderMoneyObjects: RequestChange<CreateOrderInput, CreateOrderV2> = {
  since: 'v2',
  description:
    'Creating an order: each item sends `unit_price_money` instead of `unit_amount`, and the order’s `currency` is the items’ (all must share it).',
  schema: CreateOrderBodyV2,
  down(body) {
    const currency = body.items[0]!.unit_price_money.currency;
    const mismatched = body.items.findIndex((item) => item.unit_price_money.currency !== currency);
    if (mismatched !== -1) {
      throw validationFailed({
        in: 'body',
        pointer: `/items/${mismatched}/unit_price_money/currency`,
        detail: `must be ${currency}, the currency of the first item`,
      });
    }
    return {
      user_id: body.user_id,
      currency,
      items: body.items.map((item) => ({
        name: item.name,
        ...(item.sku === undefined ? {} : { sku: item.sku }),
        quantity: item.quantity,
        unit_amount: item.unit_price_money.amount,
      })),
    };
  },
  pointer(previous) {
    if (previous === '/currency') return '/items/0/unit_price_money/currency';
    return previous.replace(/^(\/items\/\d+)\/unit_amount$/, '$1/unit_price_money/amount');
  },
};
