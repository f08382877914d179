import { sql, type Kysely, type RawBuilder } from 'kysely';
import { mintKey } from '../platform/auth/api-keys.js';
import { insertKey } from '../modules/api-keys/repository.js';
import { SCOPES } from '../platform/auth/scopes.js';
import { newId } from '../platform/ids/ids.js';
import type { Db, Dialect } from '../db/database.js';
import type { Database } from '../db/schema.js';

/**
 * Seeds a dedicated database with many orders across tenants, set-based (INSERT … SELECT over a
 * number series: no row leaves the server), for EXPLAIN tests and benchmarks at scale. Never point
 * it at a database others use for tests: it adds up to millions of rows.
 *
 * Distribution: three big tenants hold 60%, 20% and 10% of the orders; the remaining 10% are
 * spread over many small tenants. Each order has 1 to 3 items; statuses are mostly paid, then
 * pending, canceled and refunded. Seeded ids share one fixed ULID time part, so they sort before
 * every id the API mints and are recognisable (and removable) as a range.
 */

/** The ULID time part of every seeded id (2024-11); the 16 characters after it are hex. */
const SEED_TIME = '01jd000000';
/** In every seeded account's name: a seed of an older layout is replaced, not reused. */
const SEED_LAYOUT = 'scale-v2-';
const USERS_PER_BIG_TENANT = 1000;
const USERS_PER_SMALL_TENANT = 10;
/** A user number is tenant × this + index, so every user id is unique. */
const USERS_STRIDE = 100_000;
/** Rows per INSERT … SELECT, so progress shows and no statement runs for minutes. */
const CHUNK = 100_000;

export interface ScaleSeedResult {
  /** Orders with a seeded id after the call. */
  orders: number;
  /** False when the database already held exactly this seed. */
  inserted: boolean;
  /** Account ids, biggest tenant first. */
  tenants: string[];
  /** How many orders each big tenant holds, biggest first. */
  bigTenantOrders: number[];
}

/** The seeded id of a prefix and number; the same expression the SQL below computes. */
export function seededId(prefix: string, n: number): string {
  return `${prefix}_${SEED_TIME}${n.toString(16).padStart(16, '0')}`;
}

/**
 * Order n belongs to big tenant 1, 2 or 3 when n % 10 is below 6, 8 or 9 (60%, 20%, 10%),
 * otherwise to one of the small tenants: every tenant's orders interleave in time, as real ones do.
 */
const BIG_TENANT_RESIDUES = [6, 8, 9];

/** The big tenant (1-3) of order n, or 0 for a small tenant; what the SQL below computes. */
export function seededTenantOf(n: number): number {
  const residue = n % 10;
  const index = BIG_TENANT_RESIDUES.findIndex((bound) => residue < bound);
  return index + 1;
}

/** Tenant count and how many orders each big tenant gets, for `orders` orders. */
function layout(orders: number) {
  const small = Math.max(10, Math.min(1000, Math.floor(orders / 1000)));
  const bigTenantOrders = BIG_TENANT_RESIDUES.map(() => 0);
  for (let residue = 0; residue < 10; residue += 1) {
    const tenant = seededTenantOf(residue);
    const count = residue === 0 ? Math.floor(orders / 10) : Math.floor((orders - residue) / 10) + 1;
    if (tenant > 0) bigTenantOrders[tenant - 1]! += Math.max(0, count);
  }
  return { small, tenants: BIG_TENANT_RESIDUES.length + small, bigTenantOrders };
}

/** A number parameter typed for both dialects (PostgreSQL would otherwise infer text). */
const int = (value: number) => sql`cast(${value} as bigint)`;

/** The dialect-specific pieces; every value is still a bound parameter. */
function fragments(dialect: Dialect) {
  const pg = dialect === 'postgres';
  return {
    /** `prefix_<SEED_TIME><16 hex digits of n>` */
    id: (prefix: string, n: RawBuilder<unknown>) =>
      pg
        ? sql`${prefix + '_' + SEED_TIME} || lpad(to_hex(${n}), 16, '0')`
        : sql`${prefix + '_' + SEED_TIME} || printf('%016x', ${n})`,
    /** Rows n = from..to, as a FROM item aliased s(n). */
    series: (from: number, to: number) =>
      pg
        ? sql`generate_series(${int(from)}, ${int(to)}) as s(n)`
        : sql`(with recursive r(n) as (select ${int(from)} union all select n + 1 from r where n < ${int(to)}) select n from r) as s`,
    /** 2024-01-01 plus `seconds`. */
    at: (seconds: RawBuilder<unknown>) =>
      pg
        ? sql`timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => ${seconds})`
        : sql`strftime('%Y-%m-%dT%H:%M:%fZ', '2024-01-01 00:00:00', '+' || ${seconds} || ' seconds')`,
  };
}

/** Seeded orders of the current layout (0 when the seed is of another layout). */
async function countSeededOrders(db: Kysely<Database>): Promise<number> {
  const first = await db
    .selectFrom('accounts')
    .select('name')
    .where('id', '=', seededId('acct', 1))
    .executeTakeFirst();
  if (first?.name !== `${SEED_LAYOUT}1`) return 0;
  const row = await db
    .selectFrom('orders')
    .select((eb) => eb.fn.countAll<number | string>().as('count'))
    .where('id', '>=', `ord_${SEED_TIME}`)
    .where('id', '<', `ord_${SEED_TIME.slice(0, -1)}1`)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Removes the seeded tenants and everything in them (a previous seed of another size, plus what
 * benchmarks created through the API in those tenants), children first.
 */
async function removeSeed(db: Kysely<Database>): Promise<void> {
  const low = `acct_${SEED_TIME}`;
  const high = `acct_${SEED_TIME.slice(0, -1)}1`;
  for (const table of [
    'order_items',
    'refunds',
    'events',
    'payments',
    'idempotency_keys',
    'orders',
    'users',
    'api_keys',
  ] as const) {
    await db
      .deleteFrom(table)
      .where('account_id', '>=', low)
      .where('account_id', '<', high)
      .execute();
  }
  await db.deleteFrom('accounts').where('id', '>=', low).where('id', '<', high).execute();
}

/**
 * Seeds `orders` orders unless the database already holds exactly that seed; a seed of another
 * size is replaced. `progress` hears about each chunk.
 */
export async function seedScale(
  db: Db,
  options: { orders: number; progress?: (done: number, total: number) => void },
): Promise<ScaleSeedResult> {
  const { orders } = options;
  const { small, tenants, bigTenantOrders } = layout(orders);
  const tenantIds = Array.from({ length: tenants }, (_, i) => seededId('acct', i + 1));
  const result = { orders, tenants: tenantIds, bigTenantOrders };
  const existing = await countSeededOrders(db.kysely);
  if (existing === orders) return { ...result, inserted: false };
  // A seed of another size, or one interrupted part-way, is replaced.
  await removeSeed(db.kysely);

  const f = fragments(db.dialect);
  const k = db.kysely;
  const [r1, r2, r3] = BIG_TENANT_RESIDUES as [number, number, number];
  const bigTenants = BIG_TENANT_RESIDUES.length;
  const t = sql`s.n`;
  await sql`insert into accounts (id, name, created_at)
    select ${f.id('acct', t)}, ${SEED_LAYOUT} || s.n, ${f.at(sql`0`)}
    from ${f.series(1, tenants)}`.execute(k);
  // Users: one INSERT per user index, across every tenant that has that many users.
  for (let u = 0; u < USERS_PER_BIG_TENANT; u += 1) {
    const number = sql`(s.n * ${int(USERS_STRIDE)} + ${int(u)})`;
    await sql`insert into users (id, account_id, email, email_normalized, name, created_at, updated_at, version)
      select ${f.id('usr', number)}, ${f.id('acct', t)},
        'u' || ${number} || '@example.com', 'u' || ${number} || '@example.com',
        null, ${f.at(sql`0`)}, ${f.at(sql`0`)}, 1
      from ${f.series(1, u < USERS_PER_SMALL_TENANT ? tenants : bigTenants)}`.execute(k);
  }

  for (let from = 1; from <= orders; from += CHUNK) {
    const to = Math.min(orders, from + CHUNK - 1);
    const residue = sql`(s.n % 10)`;
    const tenant = sql`(case when ${residue} < ${int(r1)} then 1 when ${residue} < ${int(r2)} then 2 when ${residue} < ${int(r3)} then 3 else ${int(bigTenants + 1)} + (s.n / 10) % ${int(small)} end)`;
    const perTenantUsers = sql`(case when ${residue} < ${int(r3)} then ${int(USERS_PER_BIG_TENANT)} else ${int(USERS_PER_SMALL_TENANT)} end)`;
    const user = sql`(${tenant} * ${int(USERS_STRIDE)} + s.n % ${perTenantUsers})`;
    // Items per order 1 + n % 3, each priced 100 + n % 5000, quantity 1.
    const unit = sql`(100 + s.n % 5000)`;
    const total = sql`((1 + s.n % 3) * ${unit})`;
    // Statuses by n % 20: 0-11 paid, 12-16 pending_payment, 17-18 canceled, 19 refunded.
    const bucket = sql`(s.n % 20)`;
    await sql`insert into orders (id, account_id, user_id, currency, status, total_amount,
        amount_committed, amount_paid, amount_refunded, created_at, updated_at, canceled_at, version)
      select ${f.id('ord', t)}, ${f.id('acct', tenant)}, ${f.id('usr', user)}, 'EUR',
        case when ${bucket} < 12 then 'paid' when ${bucket} < 17 then 'pending_payment'
             when ${bucket} < 19 then 'canceled' else 'refunded' end,
        ${total},
        case when ${bucket} < 12 or ${bucket} = 19 then ${total} else 0 end,
        case when ${bucket} < 12 or ${bucket} = 19 then ${total} else 0 end,
        case when ${bucket} = 19 then ${total} else 0 end,
        ${f.at(t)}, ${f.at(t)},
        case when ${bucket} in (17, 18) then ${f.at(t)} else null end,
        case when ${bucket} < 17 then 1 else 2 end
      from ${f.series(from, to)}`.execute(k);
    for (let position = 0; position < 3; position += 1) {
      const itemNumber = sql`(s.n * 4 + ${int(position)})`;
      await sql`insert into order_items (id, account_id, order_id, position, name, sku, quantity, unit_amount, amount)
        select ${f.id('item', itemNumber)}, ${f.id('acct', tenant)}, ${f.id('ord', t)}, ${int(position)},
          ${'Item ' + position}, 'SKU-' || (s.n % 1000), 1, ${unit}, ${unit}
        from ${f.series(from, to)}
        where ${int(position)} <= s.n % 3`.execute(k);
    }
    options.progress?.(to, orders);
  }
  if (db.dialect === 'postgres') await sql`analyze`.execute(k);
  return { ...result, inserted: true };
}

/** Mints an API key (all scopes) for a seeded tenant and returns the secret; stored only hashed. */
export async function mintSeedKey(db: Kysely<Database>, accountId: string): Promise<string> {
  const key = mintKey('test');
  await insertKey(db, {
    id: newId('key'),
    account_id: accountId,
    lookup: key.lookup,
    secret_hash: key.secretHash,
    mode: key.mode,
    name: 'scale-seed',
    scopes: SCOPES.join(' '),
    created_at: new Date().toISOString(),
  });
  return key.secret;
}
