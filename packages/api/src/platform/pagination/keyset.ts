import { sql, type SelectQueryBuilder } from 'kysely';
import type { Page } from './page.js';

/** Where a page starts and how long it is: the id the previous page ended on (its cursor), and the size. */
export interface PageRequest {
  afterId?: string;
  limit: number;
}

/**
 * Runs a list query as one keyset page, newest first: `id < afterId`, `order by id desc`,
 * `limit + 1`. Ids are unique and time-sortable, so `id` alone is the key; with the query's
 * equality filters it is exactly the order of the (account_id, …, id) index behind every list,
 * so a deep page costs what the first one costs (test/scale/explain.test.ts). The one extra row
 * only tells whether another page exists; it is never returned.
 */
export async function keysetPage<DB, TB extends keyof DB, Row extends { id: string }>(
  query: SelectQueryBuilder<DB, TB, Row>,
  page: PageRequest,
): Promise<Page<Row>> {
  // A constant identifier, quoted by Kysely: the query's tables are generic here, so `'id'` cannot be typed.
  const id = sql.ref<string>('id');
  const bounded = page.afterId === undefined ? query : query.where(id, '<', page.afterId);
  const rows = await bounded
    .orderBy(id, 'desc')
    .limit(page.limit + 1)
    .execute();
  return { items: rows.slice(0, page.limit), hasMore: rows.length > page.limit };
}
