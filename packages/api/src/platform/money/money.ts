import { Type, type Static } from 'typebox';

/** ISO 4217 code, upper case; the domain checks it is a real currency. */
export const Currency = Type.String({
  pattern: '^[A-Z]{3}$',
  maxLength: 3,
  description: 'ISO 4217 currency code, upper case.',
  examples: ['EUR'],
});

/**
 * Money on the wire from v2 on: integer minor units plus the currency they are in, always
 * together, so an amount can never be read in the wrong currency.
 */
export function MoneySchema(bounds: { minimum: number; maximum: number }, description: string) {
  return Type.Object(
    {
      amount: Type.Integer({
        ...bounds,
        description: 'Minor units of the currency (cents for EUR): 4500 is 45.00.',
      }),
      currency: Currency,
    },
    {
      additionalProperties: false,
      description,
      examples: [{ amount: 4500, currency: 'EUR' }],
    },
  );
}

export type Money = Static<ReturnType<typeof MoneySchema>>;

/** `{ amount, currency }` */
export const money = (amount: number, currency: string): Money => ({ amount, currency });
