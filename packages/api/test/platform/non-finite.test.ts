import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { toJsonText } from '../support/hostile.js';
import { seedUser } from '../support/seed.js';

interface DocumentParameter {
  in: string;
  name: string;
}

/** Every list operation of both documents: the GETs that take `limit`. */
function listOperations(document: { paths: Record<string, Record<string, unknown>> }) {
  return Object.entries(document.paths).flatMap(([path, item]) => {
    const get = item.get as { parameters?: DocumentParameter[] } | undefined;
    const limit = get?.parameters?.some((p) => p.in === 'query' && p.name === 'limit');
    return limit && /^\/v\d\//.test(path) ? [path] : [];
  });
}

/**
 * No numeric input may be non-finite or outside its documented range: `?limit=Infinity` once
 * reached the database (Ajv coerces it, then skips maximum) and answered 500.
 */
describe.each(stores)('non-finite and out-of-range numbers (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;
  let userId: string;
  beforeAll(async () => {
    t = await startApp(store);
    tenant = await createTestTenant(t);
    userId = await seedUser(t, tenant);
  });
  afterAll(() => t.close());

  const concrete = (path: string) =>
    path
      .replace(
        '{id}',
        path.includes('/payments/')
          ? 'pay_01jdq6a1b2c3d4e5f6g7h8j9k0'
          : path.includes('/webhook_endpoints/')
            ? 'we_01jdq6a1b2c3d4e5f6g7h8j9k0'
            : 'x',
      )
      .replace(/\{[^}]+\}/g, 'x');

  it('every list answers 400 at /limit for Infinity, 1e999, NaN and out-of-range values', async () => {
    const lists = listOperations(t.app.swagger() as Parameters<typeof listOperations>[0]);
    expect(lists.length).toBeGreaterThanOrEqual(10);
    for (const path of lists) {
      for (const value of [
        'Infinity',
        '-Infinity',
        '%2BInfinity',
        '1e999',
        '-1e999',
        'NaN',
        '0',
        '101',
        '1e20',
      ]) {
        const response = await call(t.app, 'GET', `${concrete(path)}?limit=${value}`, { tenant });
        const label = `${path}?limit=${value}`;
        expect(response.statusCode, label).toBe(400);
        const problem = expectProblem(response, 400, 'validation_failed');
        expect(problem.errors, label).toEqual([
          expect.objectContaining({ in: 'query', pointer: '/limit' }),
        ]);
      }
    }
  });

  it('a body number written 1e999 (±Infinity once parsed) is 400 with its pointer, and nothing is stored', async () => {
    const body = toJsonText({
      user_id: userId,
      currency: 'EUR',
      items: [
        { name: 'x', quantity: Number.POSITIVE_INFINITY, unit_amount: Number.NEGATIVE_INFINITY },
      ],
    });
    expect(body).toContain('"quantity":1e999');
    expect(body).toContain('"unit_amount":-1e999');
    const problem = expectProblem(
      await call(t.app, 'POST', '/v1/orders', { tenant, body }),
      400,
      'validation_failed',
    );
    const pointers = (problem.errors as { pointer: string }[]).map((e) => e.pointer);
    expect(pointers).toEqual(expect.arrayContaining(['/items/0/quantity', '/items/0/unit_amount']));
    const orders = await call(t.app, 'GET', '/v1/orders', { tenant });
    expect(orders.json<{ data: unknown[] }>().data).toEqual([]);
  });
});
