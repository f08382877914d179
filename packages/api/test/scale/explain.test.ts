import { CompiledQuery, sql, type LogEvent } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isPostgresUrl, openDatabase, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import {
  seedScale,
  seededId,
  seededTenantOf,
  type ScaleSeedResult,
} from '../../src/cli/scale-dataset.js';
import { findKey, findKeyByLookup, findKeyPage } from '../../src/modules/api-keys/repository.js';
import { findRecord } from '../../src/platform/idempotency/store.js';
import * as orders from '../../src/modules/orders/repository.js';
import * as payments from '../../src/modules/payments/repository.js';
import * as refunds from '../../src/modules/payments/refunds-repository.js';
import * as users from '../../src/modules/users/repository.js';

/**
 * Every list and lookup path the repositories issue, planned by PostgreSQL over a seeded table of
 * SCALE_ORDERS orders (200k by default so CI stays fast; `SCALE_ORDERS=1000000` for the full
 * issue-6 figure). The seed lives in its own database (steadfast_scale_<count>) on the server of
 * DATABASE_URL, created and seeded once, and reused by later runs.
 *
 * The SQL is what Kysely compiles for the real repository functions (captured as they run), not
 * a hand-written copy, so a changed query is planned as it now is.
 */

const URL_ = process.env.DATABASE_URL ?? '';
const ORDERS = Number(process.env.SCALE_ORDERS ?? 200_000);
/** Tables the seed fills: planned as they come. The others are (nearly) empty here. */
const SEEDED = new Set(['orders', 'order_items', 'users']);

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Total Cost': number;
  'Actual Rows'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

/** The plan's tree of node types (and indexes): equal for two queries that take the same path. */
function shape(plan: PlanNode): string {
  const children = (plan.Plans ?? []).map(shape).join(',');
  return `${plan['Node Type']}${plan['Index Name'] ? `[${plan['Index Name']}]` : ''}(${children})`;
}

async function scaleDatabase(): Promise<Db> {
  const name = `steadfast_scale_${ORDERS}`;
  const admin = openDatabase({ url: URL_, poolMax: 1, statementTimeoutMs: 30_000 });
  try {
    await sql`create database ${sql.id(name)}`.execute(admin.kysely);
  } catch (error) {
    // 42P04 duplicate_database: seeded by an earlier run (or a concurrent one).
    if ((error as { code?: string }).code !== '42P04') throw error;
  } finally {
    await admin.close();
  }
  const url = new URL(URL_);
  url.pathname = `/${name}`;
  return openDatabase({ url: url.toString(), poolMax: 2, statementTimeoutMs: 600_000 });
}

describe.skipIf(!isPostgresUrl(URL_))(`PostgreSQL plans over ${ORDERS} seeded orders`, () => {
  let db: Db;
  let seed: ScaleSeedResult;
  let tenant: string;
  /** The SQL and parameters of every query run since the last `capture`. */
  let captured: CompiledQuery[] = [];

  beforeAll(async () => {
    db = await scaleDatabase();
    await migrateToLatest(db);
    seed = await seedScale(db, { orders: ORDERS });
    tenant = seed.tenants[0]!;
    db.observeQueries((event: LogEvent) => {
      captured.push(CompiledQuery.raw(event.query.sql, [...event.query.parameters]));
    });
  }, 180_000);
  afterAll(async () => db?.close());

  /** Runs `path` for real and returns the one query it issued. */
  async function capture(path: () => Promise<unknown>): Promise<CompiledQuery> {
    captured = [];
    await path();
    expect(captured).toHaveLength(1);
    return captured[0]!;
  }

  async function explain(query: CompiledQuery, analyze = false): Promise<PlanNode> {
    const options = analyze ? 'analyze, buffers, format json' : 'format json';
    // Small tables are planned with sequential scans discouraged, which proves an index can
    // serve the predicate (a missing index still shows a Seq Scan); seeded ones plan as they are.
    const table = /from (?:only )?"(\w+)"/.exec(query.sql)?.[1] ?? '';
    return db.kysely.transaction().execute(async (trx) => {
      if (!SEEDED.has(table)) await sql`set local enable_seqscan = off`.execute(trx);
      const result = await trx.executeQuery<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(
        CompiledQuery.raw(`explain (${options}) ${query.sql}`, [...query.parameters]),
      );
      return result.rows[0]!['QUERY PLAN'][0]!.Plan;
    });
  }

  function expectIndexed(plan: PlanNode, label: string) {
    const all = nodes(plan);
    expect(
      all.filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name']),
      `${label}: ${shape(plan)}`,
    ).toEqual([]);
    expect(
      all.some((n) => /Index/.test(n['Node Type'])),
      `${label}: ${shape(plan)}`,
    ).toBe(true);
  }

  /** Order 10 belongs to the biggest tenant (n % 10 = 0). */
  const order = () => seededId('ord', 10);
  const user = () => seededId('usr', 1 * 100_000 + 7);

  const paths: [string, () => Promise<unknown>][] = [
    ['order by id', () => orders.findOrderById(db.kysely, tenant, order())],
    ['orders page', () => orders.findOrderPage(db.kysely, tenant, { limit: 20 })],
    [
      'orders page by user',
      () => orders.findOrderPage(db.kysely, tenant, { userId: user(), limit: 20 }),
    ],
    [
      'orders page by status',
      () => orders.findOrderPage(db.kysely, tenant, { status: 'pending_payment', limit: 20 }),
    ],
    [
      'orders page by user and status',
      () => orders.findOrderPage(db.kysely, tenant, { userId: user(), status: 'paid', limit: 20 }),
    ],
    [
      'items of a page of orders',
      () =>
        orders.findItemsOfOrders(
          db.kysely,
          tenant,
          Array.from({ length: 20 }, (_, i) => seededId('ord', 1000 + i)),
        ),
    ],
    ['user exists', () => orders.userExists(db.kysely, tenant, user())],
    ['user by id', () => users.findUserById(db.kysely, tenant, user())],
    ['users page', () => users.findUserPage(db.kysely, tenant, { limit: 20 })],
    [
      'users page by email',
      () =>
        users.findUserPage(db.kysely, tenant, {
          emailNormalized: 'u100007@example.com',
          limit: 20,
        }),
    ],
    ['user has orders', () => users.userHasOrders(db.kysely, tenant, user())],
    ['api key by lookup', () => findKeyByLookup(db.kysely, 'abcdef012345')],
    ['api key by id', () => findKey(db.kysely, tenant, 'key_01jd0000000000000000000001')],
    ['api keys page', () => findKeyPage(db.kysely, tenant, { limit: 20 })],
    ['idempotency record', () => findRecord(db.kysely, tenant, 'some-key')],
    ['order for payment', () => orders.findOrderForPayment(db.kysely, tenant, order())],
    [
      'payment by id',
      () => payments.findPayment(db.kysely, tenant, 'pay_01jd0000000000000000000001'),
    ],
    ['payments page', () => payments.findPaymentPage(db.kysely, tenant, { limit: 20 })],
    [
      'payments page by order',
      () => payments.findPaymentPage(db.kysely, tenant, { orderId: order(), limit: 20 }),
    ],
    [
      'unresolved payments',
      () => payments.findUnresolvedPayments(db.kysely, new Date().toISOString(), 100),
    ],
    ['refund by id', () => refunds.findRefund(db.kysely, tenant, 're_01jd0000000000000000000001')],
    [
      'refunds page',
      () =>
        refunds.findRefundPage(db.kysely, tenant, {
          paymentId: 'pay_01jd0000000000000000000001',
          limit: 20,
        }),
    ],
  ];

  it.each(paths)('%s uses an index, no sequential scan', async (label, path) => {
    expectIndexed(await explain(await capture(path)), label);
  });

  it('deleting a user: the foreign-key check on orders.user_id uses an index', async () => {
    // Not a repository query: the check PostgreSQL itself runs for DELETE FROM users (RI trigger,
    // ri_triggers.c), reproduced to plan it. Before migration 0005 it was a Seq Scan on orders.
    const check = sql`select 1 from only "orders" x where "user_id" = ${user()} for key share of x`;
    expectIndexed(await explain(check.compile(db.kysely)), 'users delete FK check');
  });

  it('a deep cursor page (5/6 into the biggest tenant) costs what the first page costs', async () => {
    const depth = Math.floor((seed.bigTenantOrders[0]! * 5) / 6);
    // Newest first: the cursor is the id of tenant 1's order `depth` rows from the top.
    let n = ORDERS;
    for (let seen = 0; ; n -= 1) if (seededTenantOf(n) === 1 && ++seen === depth) break;
    const afterId = seededId('ord', n);
    const first = await capture(() => orders.findOrderPage(db.kysely, tenant, { limit: 20 }));
    const deep = await capture(() =>
      orders.findOrderPage(db.kysely, tenant, { afterId, limit: 20 }),
    );
    const firstPlan = await explain(first, true);
    const deepPlan = await explain(deep, true);
    expectIndexed(deepPlan, 'deep page');
    expect(shape(deepPlan)).toBe(shape(firstPlan));
    // Same rows read, and buffers touched within a small factor: no skipping over `depth` rows.
    expect(deepPlan['Actual Rows']).toBe(firstPlan['Actual Rows']);
    const blocks = (plan: PlanNode) =>
      (plan['Shared Hit Blocks'] ?? 0) + (plan['Shared Read Blocks'] ?? 0);
    expect(blocks(deepPlan)).toBeLessThanOrEqual(blocks(firstPlan) * 3 + 10);
    expect(blocks(firstPlan)).toBeLessThanOrEqual(blocks(deepPlan) * 3 + 10);
    expect(deepPlan['Total Cost']).toBeLessThanOrEqual(firstPlan['Total Cost'] * 3 + 10);
  });
});
