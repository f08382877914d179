import { sql, type SelectQueryBuilder } from 'kysely';
import type { Page } from './page.js';

/** Where a page starts and how long it is: the id the previous page ended on (its cursor), and the size. */
export interface PageRequest {
  afterId?: string;
  limit: number;
}

/**
 * A list query as one keyset page, newest first: `id < afterId`, `order by id desc`, `limit
 * rows`, where `rows` is the page size plus one. Ids are unique and time-sortable, so `id` alone
 * is the key; with the query's equality filters it is exactly the order of the (account_id, …, id)
 * index behind every list, so a deep page costs what the first one costs
 * (test/scale/explain.test.ts). The one extra row only tells whether another page exists.
 * `afterId` and `rows` are used as values only, never inspected, so a precompiled query
 * (db/precompiled.ts) can pass placeholders for them.
 */
export function keysetQuery<DB, TB extends keyof DB, Row extends { id: string }>(
  query: SelectQueryBuilder<DB, TB, Row>,
  bound: { afterId?: string; rows: number },
): SelectQueryBuilder<DB, TB, Row> {
  // A constant identifier, quoted by Kysely: the query's tables are generic here, so `'id'` cannot be typed.
  const id = sql.ref<string>('id');
  const bounded = bound.afterId === undefined ? query : query.where(id, '<', bound.afterId);
  return bounded.orderBy(id, 'desc').limit(bound.rows);
}

/** The page in the rows of a keysetQuery read with `rows: limit + 1`: the extra row is never returned. */
export function keysetPageOf<Row>(rows: Row[], limit: number): Page<Row> {
  return { items: rows.slice(0, limit), hasMore: rows.length > limit };
}

/** Runs `query` as one keyset page (keysetQuery, then keysetPageOf). */
export async function keysetPage<DB, TB extends keyof DB, Row extends { id: string }>(
  query: SelectQueryBuilder<DB, TB, Row>,
  page: PageRequest,
): Promise<Page<Row>> {
  const rows = await keysetQuery(query, { afterId: page.afterId, rows: page.limit + 1 }).execute();
  return keysetPageOf(rows, page.limit);
}
