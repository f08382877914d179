import type { TestApp, Tenant } from './app.js';
import { uniqueEmail } from './app.js';
import { call } from './http.js';

export interface SeededOrder {
  id: string;
  user_id: string;
  total_amount: number;
  status: string;
}

/** Creates a user over the API and returns its id. */
export async function seedUser(t: TestApp, tenant: Tenant): Promise<string> {
  const response = await call(t.app, 'POST', '/v1/users', {
    tenant,
    body: { email: uniqueEmail('seed') },
  });
  if (response.statusCode !== 201)
    throw new Error(`seedUser: ${response.statusCode} ${response.body}`);
  return response.json<{ id: string }>().id;
}

/** Creates an order with `itemCount` items over the API. */
export async function seedOrder(
  t: TestApp,
  tenant: Tenant,
  userId: string,
  itemCount = 2,
  currency = 'EUR',
): Promise<SeededOrder> {
  const items = Array.from({ length: itemCount }, (_, i) => ({
    name: `Item ${i}`,
    sku: `SKU-${i}`,
    quantity: i + 1,
    unit_amount: 250,
  }));
  const response = await call(t.app, 'POST', '/v1/orders', {
    tenant,
    body: { user_id: userId, currency, items },
  });
  if (response.statusCode !== 201)
    throw new Error(`seedOrder: ${response.statusCode} ${response.body}`);
  return response.json<SeededOrder>();
}
