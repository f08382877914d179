import fc from 'fast-check';
import type { HTTPMethods } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandboxProcessor } from '../../src/processor/sandbox/server.js';
import { FAST_PROCESSOR, type Sandbox } from '../payments/support.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/http.js';
import {
  contentType,
  hostileBody,
  hostileHeaders,
  hostilePathParam,
  hostileQuery,
  type JsonSchema,
  type KnownIds,
} from '../support/hostile.js';
import { seedOrder, seedUser } from '../support/seed.js';

/**
 * Property-based fuzzing of every versioned operation (/v1 and /v2) in the OpenAPI document, so an operation added
 * later is fuzzed without touching this file. For any input: never a 5xx, every 4xx is
 * problem+json, and a refused request writes nothing. The generators (support/hostile.ts) include
 * non-finite and out-of-range numbers (`limit=Infinity`, a body's `1e999`) for every numeric input.
 *
 * Deterministic: a fixed seed (FUZZ_SEED to replay another), reported by fast-check on failure
 * together with the shrunk counterexample. FUZZ_RUNS scales the runs per operation.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);
const RUNS = Number(process.env.FUZZ_RUNS ?? 80);
const TABLES = [
  'users',
  'orders',
  'order_items',
  'api_keys',
  'payments',
  'refunds',
  'events',
] as const;

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  schema?: JsonSchema;
}

interface Operation {
  method: HTTPMethods;
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

function operationsOf(doc: { paths?: Record<string, Record<string, OpenApiOperation>> }) {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!/^\/v\d+\//.test(path)) continue;
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      operations.push({
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
      });
    }
  }
  return operations;
}

/** One generated request for `operation`. */
function requests(operation: Operation, ids: KnownIds) {
  const pathParams = operation.parameters.filter((p) => p.in === 'path');
  const query = operation.parameters.filter((p) => p.in === 'query');
  return fc.record({
    params: fc.tuple(...pathParams.map((p) => hostilePathParam(p.schema?.pattern, ids))),
    query: hostileQuery(query, ids),
    body: hostileBody(operation.body, ids),
    contentType: contentType,
    headers: hostileHeaders,
  });
}

/** Operations whose body the server parses (the others never read one). */
const hasBody = (operation: Operation) => ['POST', 'PUT', 'PATCH'].includes(operation.method);

type Generated = ReturnType<typeof requests> extends fc.Arbitrary<infer T> ? T : never;

function urlFor(operation: Operation, input: Generated): string {
  let index = 0;
  const path = operation.path.replace(/\{[^}]+\}/g, () =>
    encodeURIComponent(input.params[index++] as string),
  );
  return input.query === undefined ? path : `${path}?${input.query}`;
}

describe.each(stores)('fuzzing every versioned operation (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;
  let ids: KnownIds;
  let sandbox: Sandbox;

  beforeAll(async () => {
    // A real sandbox processor, so payment runs reach the handlers instead of a 503.
    sandbox = await startSandboxProcessor({ slowMs: 50, hangMs: 2_000 });
    t = await startApp(store, {
      ...FAST_PROCESSOR,
      PAYMENT_PROCESSOR_URL: sandbox.url,
      // Rate limits would answer most of the runs with 429 and hide the handlers from the fuzzer.
      RATE_LIMIT_API_KEY_QUOTA: '1000000',
      RATE_LIMIT_WRITE_QUOTA: '1000000',
    });
    tenant = await createTestTenant(t, 'fuzz');
    const buyer = await seedUser(t, tenant);
    const order = await seedOrder(t, tenant, buyer);
    // No `key` ids on purpose: revoking the fuzzer's own key would turn every later run into 401.
    const paid = await seedOrder(t, tenant, buyer);
    const payment = await t.app.inject({
      method: 'POST',
      url: '/v1/payments',
      headers: { ...tenant.headers, 'idempotency-key': 'fuzz-seed-payment' },
      payload: { order_id: paid.id, payment_method: 'pm_card_visa' },
    });
    ids = {
      usr: [buyer, await seedUser(t, tenant)],
      ord: [order.id, paid.id],
      pay: [payment.json<{ id: string }>().id],
    };
  });
  afterAll(async () => {
    await t.close();
    await sandbox.close();
  });

  /** Rows of the fuzzing tenant, per table. */
  const counts = async () =>
    Object.fromEntries(
      await Promise.all(
        TABLES.map(async (table) => {
          const row = await t.db.kysely
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('account_id', '=', tenant.accountId)
            .executeTakeFirstOrThrow();
          return [table, Number(row.n)] as const;
        }),
      ),
    );

  it('finds the operations to fuzz in the OpenAPI document', () => {
    const operations = operationsOf(t.app.swagger() as Parameters<typeof operationsOf>[0]);
    expect(operations.map((o) => `${o.method} ${o.path}`)).toEqual(
      expect.arrayContaining([
        'POST /v1/users',
        'GET /v1/orders',
        'PATCH /v1/users/{id}',
        'POST /v2/orders',
        'POST /v2/payments/{id}/refunds',
      ]),
    );
  });

  it('never answers 5xx, always problem+json on 4xx, and writes nothing when refusing', async () => {
    const operations = operationsOf(t.app.swagger() as Parameters<typeof operationsOf>[0]);
    for (const operation of operations) {
      await fc.assert(
        fc.asyncProperty(requests(operation, ids), async (input) => {
          const before = await counts();
          const headers: Record<string, string> = {
            ...input.headers,
            ...tenant.headers,
            ...(input.body !== undefined ? { 'content-type': input.contentType } : {}),
          };
          const response = await t.app.inject({
            method: operation.method,
            url: urlFor(operation, input),
            headers,
            ...(input.body !== undefined ? { payload: input.body } : {}),
          });
          const label = `${operation.method} ${operation.path} → ${response.statusCode}`;
          expect(response.statusCode, label).toBeLessThan(500);
          if (hasBody(operation) && input.body !== undefined) {
            // JSON is UTF-8: a body in another declared charset, or with bytes that are not
            // UTF-8, is never accepted nor read; the refusal is 415 / 400 malformed_json unless
            // the request was refused before its body (query, path, rate limit).
            const foreign = /charset=(?!"?utf-?8\b)/i.test(input.contentType);
            const mangled =
              Buffer.isBuffer(input.body) && /^application\/json/i.test(input.contentType);
            if (foreign || mangled) {
              expect(response.statusCode, label).toBeGreaterThanOrEqual(400);
              const problem = response.json<{ code: string; errors?: { in: string }[] }>();
              expect(problem.errors?.filter((e) => e.in === 'body') ?? [], label).toEqual([]);
              if (foreign) expect(problem.code, label).not.toBe('malformed_json');
            }
          }
          // A replay (same Idempotency-Key and body as an earlier run) repeats the recorded
          // problem, with the first request's request_id in its body.
          const replayed = response.headers['idempotent-replayed'] === 'true';
          if (response.statusCode >= 400) {
            if (replayed)
              expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
            else
              expectProblem(response, response.statusCode, response.json<{ code: string }>().code);
            expect(await counts(), `${label} wrote rows`).toEqual(before);
          }
        }),
        { seed: SEED, numRuns: RUNS },
      );
    }
    expect(Object.prototype).not.toHaveProperty('polluted');
  }, 120_000);
});
