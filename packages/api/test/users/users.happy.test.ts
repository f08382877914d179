import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  startApp,
  stores,
  uniqueEmail,
  type Tenant,
  type TestApp,
} from '../support/app.js';
import { call } from '../support/http.js';

type Page = { data: { id: string }[]; next_cursor: string | null; has_more: boolean };

describe.each(stores)('users: happy paths (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp(store);
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('creates a user and stores it', async () => {
    const email = uniqueEmail('ada');
    const response = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email, name: 'Ada Lovelace' },
    });
    expect(response.statusCode).toBe(201);
    const user = response.json<Record<string, unknown>>();
    expect(user).toEqual({
      id: expect.stringMatching(/^usr_[0-9a-z]{26}$/),
      object: 'user',
      email,
      name: 'Ada Lovelace',
      created_at: expect.stringMatching(/Z$/),
      updated_at: user.created_at,
    });
    expect(response.headers.location).toBe(
      `${t.config.publicBaseUrl}/v1/users/${user.id as string}`,
    );
    expect(response.headers.etag).toBe('"v1"');
    const stored = await t.db.kysely
      .selectFrom('users')
      .selectAll()
      .where('id', '=', user.id as string)
      .executeTakeFirstOrThrow();
    expect(stored).toMatchObject({
      account_id: tenant.accountId,
      email,
      email_normalized: email.toLowerCase(),
      version: 1,
    });
  });

  it('gets, filters by email case-insensitively, updates and deletes', async () => {
    const email = uniqueEmail('Grace');
    const created = (await call(t.app, 'POST', '/v1/users', { tenant, body: { email } })).json<{
      id: string;
    }>();

    const got = await call(t.app, 'GET', `/v1/users/${created.id}`, { tenant });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ id: created.id, email, name: null });

    const filtered = await call(
      t.app,
      'GET',
      `/v1/users?email=${encodeURIComponent(email.toUpperCase())}`,
      { tenant },
    );
    expect(filtered.json()).toMatchObject({
      object: 'list',
      data: [{ id: created.id }],
      has_more: false,
      next_cursor: null,
    });

    const patched = await call(t.app, 'PATCH', `/v1/users/${created.id}`, {
      tenant,
      body: { name: 'Grace Hopper' },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ name: 'Grace Hopper', email });
    expect(patched.headers.etag).toBe('"v2"');

    const cleared = await call(t.app, 'PATCH', `/v1/users/${created.id}`, {
      tenant,
      body: { name: null },
    });
    expect(cleared.json()).toMatchObject({ name: null });

    const deleted = await call(t.app, 'DELETE', `/v1/users/${created.id}`, { tenant });
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expect((await call(t.app, 'GET', `/v1/users/${created.id}`, { tenant })).statusCode).toBe(404);
  });

  it('ETag + If-None-Match → 304 on a user and on the list', async () => {
    const created = (
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail() } })
    ).json<{ id: string }>();
    const first = await call(t.app, 'GET', `/v1/users/${created.id}`, { tenant });
    const etag = first.headers.etag as string;
    const revalidated = await call(t.app, 'GET', `/v1/users/${created.id}`, {
      tenant,
      headers: { 'if-none-match': etag },
    });
    expect(revalidated.statusCode).toBe(304);
    expect(revalidated.body).toBe('');
    expect(revalidated.headers['content-length']).toBeUndefined();
    expect(revalidated.headers.etag).toBe(etag);

    const list = await call(t.app, 'GET', '/v1/users', { tenant });
    const listEtag = list.headers.etag as string;
    expect(listEtag).toMatch(/^"[^"]+"$/);
    expect(
      (
        await call(t.app, 'GET', '/v1/users', {
          tenant,
          headers: { 'if-none-match': `"other", ${listEtag}` },
        })
      ).statusCode,
    ).toBe(304);

    await call(t.app, 'PATCH', `/v1/users/${created.id}`, { tenant, body: { name: 'changed' } });
    expect(
      (
        await call(t.app, 'GET', `/v1/users/${created.id}`, {
          tenant,
          headers: { 'if-none-match': etag },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      (await call(t.app, 'GET', '/v1/users', { tenant, headers: { 'if-none-match': listEtag } }))
        .statusCode,
    ).toBe(200);
  });

  it('If-Match with the current ETag updates; a stale one is refused with 412 and changes nothing', async () => {
    const created = (
      await call(t.app, 'POST', '/v1/users', { tenant, body: { email: uniqueEmail() } })
    ).json<{ id: string }>();
    const ok = await call(t.app, 'PATCH', `/v1/users/${created.id}`, {
      tenant,
      headers: { 'if-match': '"v1"' },
      body: { name: 'first' },
    });
    expect(ok.statusCode).toBe(200);
    const stale = await call(t.app, 'PATCH', `/v1/users/${created.id}`, {
      tenant,
      headers: { 'if-match': '"v1"' },
      body: { name: 'lost update' },
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ code: 'precondition_failed' });
    const current = (await call(t.app, 'GET', `/v1/users/${created.id}`, { tenant })).json();
    expect(current).toMatchObject({ name: 'first' });
    const star = await call(t.app, 'PATCH', `/v1/users/${created.id}`, {
      tenant,
      headers: { 'if-match': '*' },
      body: { name: 'any' },
    });
    expect(star.statusCode).toBe(200);
  });

  it('paginates newest first with a cursor and Link header, stable when rows are inserted between pages', async () => {
    const own = await createTestTenant(t, 'paging');
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        (
          await call(t.app, 'POST', '/v1/users', {
            tenant: own,
            body: { email: uniqueEmail(`p${i}`) },
          })
        ).json<{ id: string }>().id,
      );
    }
    const first = await call(t.app, 'GET', '/v1/users?limit=2', { tenant: own });
    const page1 = first.json<{ data: { id: string }[]; has_more: boolean; next_cursor: string }>();
    expect(page1.data.map((u) => u.id)).toEqual([ids[4], ids[3]]);
    expect(page1.has_more).toBe(true);
    // First the next page; then v1's retirement relations (docs/versioning.md).
    expect(String(first.headers.link)).toMatch(
      new RegExp(
        `^<${t.config.publicBaseUrl}/v1/users\\?limit=2&starting_after=${page1.next_cursor}>; rel="next", `,
      ),
    );

    // A row inserted between page requests must not shift or duplicate later pages.
    await call(t.app, 'POST', '/v1/users', { tenant: own, body: { email: uniqueEmail('late') } });

    const seen = [...page1.data.map((u) => u.id)];
    let cursor: string | null = page1.next_cursor;
    while (cursor) {
      const response = await call(t.app, 'GET', `/v1/users?limit=2&starting_after=${cursor}`, {
        tenant: own,
      });
      const page: Page = response.json();
      seen.push(...page.data.map((u) => u.id));
      expect(page.has_more).toBe(page.next_cursor !== null);
      cursor = page.next_cursor;
    }
    expect(seen).toEqual([...ids].reverse());
  });

  it('defaults to 20 per page and caps at 100', async () => {
    const own = await createTestTenant(t, 'limits');
    for (let i = 0; i < 21; i++)
      await call(t.app, 'POST', '/v1/users', {
        tenant: own,
        body: { email: uniqueEmail(`l${i}`) },
      });
    const page = (await call(t.app, 'GET', '/v1/users', { tenant: own })).json<{
      data: unknown[];
      has_more: boolean;
    }>();
    expect(page.data).toHaveLength(20);
    expect(page.has_more).toBe(true);
    expect(
      (await call(t.app, 'GET', '/v1/users?limit=100', { tenant: own })).json<{ data: unknown[] }>()
        .data,
    ).toHaveLength(21);
    expect((await call(t.app, 'GET', '/v1/users?limit=101', { tenant: own })).statusCode).toBe(400);
  });
});
