import { CompiledQuery } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toIso } from '../../src/db/timestamps.js';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call } from '../support/http.js';
import { seedOrder, seedUser } from '../support/seed.js';

/**
 * better-sqlite3 compiles a row constructor with `Function(...)` each time a statement is
 * (re-)prepared; a statement SQLite re-plans on every execution shows up as one per query.
 */
function rowConstructorsBuiltDuring(run: () => Promise<void>): Promise<number> {
  const original = globalThis.Function;
  let built = 0;
  globalThis.Function = new Proxy(original, {
    apply(target, self, args: string[]) {
      if (String(args.at(-1)).startsWith('return (v0')) built += 1;
      return Reflect.apply(target, self, args);
    },
  });
  return run()
    .then(() => built)
    .finally(() => {
      globalThis.Function = original;
    });
}

describe('SQLite prepares each statement once (stable plans)', () => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp('sqlite', { LIST_CACHE_MAX_BYTES: '0' });
    tenant = await createTestTenant(t);
    const user = await seedUser(t, tenant);
    for (let i = 0; i < 25; i++) await seedOrder(t, tenant, user, 3);
  });
  afterAll(() => t.close());

  it('lists pages of orders with their items without re-preparing a statement', async () => {
    const first = await call(t.app, 'GET', '/v1/orders?limit=20', { tenant });
    expect(first.statusCode).toBe(200);
    const cursor = first.json<{ next_cursor: string }>().next_cursor;
    const second = `/v1/orders?limit=20&starting_after=${cursor}`;
    // Each statement text is prepared the first time it runs: both pages once before counting.
    expect((await call(t.app, 'GET', second, { tenant })).statusCode).toBe(200);
    const built = await rowConstructorsBuiltDuring(async () => {
      for (let i = 0; i < 5; i++) {
        const page = await call(t.app, 'GET', '/v1/orders?limit=20', { tenant });
        expect(page.json<{ data: unknown[] }>().data).toHaveLength(20);
        const next = await call(t.app, 'GET', second, { tenant });
        expect(next.json<{ data: unknown[] }>().data).toHaveLength(5);
      }
    });
    // With `?` placeholders: two per request (the page of orders, the items of those orders).
    expect(built).toBe(0);
  });

  it('plans as a bare ? does: the list and its items use their indexes', async () => {
    const seen: { sql: string; parameters: readonly unknown[] }[] = [];
    const stop = t.db.observeQueries((event) => seen.push(event.query));
    const first = await call(t.app, 'GET', '/v1/orders?limit=2', { tenant });
    const cursor = first.json<{ next_cursor: string }>().next_cursor;
    await call(t.app, 'GET', `/v1/orders?limit=2&starting_after=${cursor}`, { tenant });
    await call(t.app, 'GET', `/v1/users?limit=2`, { tenant });
    stop();
    const lists = seen.filter((q) => /^select \* from "(orders|order_items|users)"/.test(q.sql));
    expect(lists.length).toBeGreaterThanOrEqual(5);
    const plan = async (text: string, parameters: readonly unknown[]) => {
      const result = await t.db.kysely.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${text}`, [...parameters]),
      );
      return result.rows.map((row) => row.detail).join(' | ');
    };
    for (const query of lists) {
      expect(query.sql).toContain('likely(?)');
      const stable = await plan(query.sql, query.parameters);
      expect(stable).toMatch(/USING (COVERING )?INDEX/);
      expect(stable).toBe(await plan(query.sql.replaceAll('likely(?)', '?'), query.parameters));
    }
  });
});

describe('toIso', () => {
  it('returns the text SQLite holds when it is already what toISOString writes', () => {
    expect(toIso('2026-12-07T15:48:57.211Z')).toBe('2026-12-07T15:48:57.211Z');
  });

  it('normalises every other form to ISO 8601 UTC with milliseconds', () => {
    expect(toIso(new Date(Date.UTC(2026, 11, 7, 15, 48, 57, 211)))).toBe(
      '2026-12-07T15:48:57.211Z',
    );
    expect(toIso('2026-12-07T15:48:57Z')).toBe('2026-12-07T15:48:57.000Z');
    expect(toIso('2026-12-07T16:48:57.211+01:00')).toBe('2026-12-07T15:48:57.211Z');
  });
});
