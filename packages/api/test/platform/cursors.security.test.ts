import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { withCursorSecret } from '../../src/platform/pagination/cursor-secret.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { runTs, tempDatabase } from '../support/process.js';
import { seedUser } from '../support/seed.js';

const SECRET_A = 'a'.repeat(16) + 'first-cursor-secret';
const SECRET_B = 'b'.repeat(16) + 'second-cursor-secret';
const b64 = (text: string) => Buffer.from(text).toString('base64url');

interface Page {
  data: { id: string }[];
  next_cursor: string | null;
}

/** The first page of the tenant's users, one per page, and its next cursor. */
async function firstPage(t: TestApp, tenant: Tenant, list = '/v1/users') {
  const response = await call(t.app, 'GET', `${list}?limit=1`, { tenant });
  expect(response.statusCode, response.body).toBe(200);
  const page = response.json<Page & { pagination?: { next_cursor: string } }>();
  const cursor = page.next_cursor ?? page.pagination?.next_cursor;
  expect(cursor).toEqual(expect.any(String));
  return { first: page.data[0]!.id, cursor: cursor! };
}

/** Issue 14, defect 4: cursors the API did not produce were accepted. */
describe.each(stores)('signed cursors (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;
  let other: Tenant;

  beforeAll(async () => {
    t = await startApp(store, { CURSOR_SECRET: SECRET_A });
    tenant = await createTestTenant(t);
    other = await createTestTenant(t);
    for (const owner of [tenant, tenant, tenant, other, other]) await seedUser(t, owner);
  });
  afterAll(() => t.close());

  const refused = async (url: string, who = tenant) =>
    expectProblem(await call(t.app, 'GET', url, { tenant: who }), 400, 'invalid_cursor');

  it('follows the cursors it minted, on v1 and v2 alike', async () => {
    const { first, cursor } = await firstPage(t, tenant);
    const next = await call(t.app, 'GET', `/v1/users?limit=1&starting_after=${cursor}`, { tenant });
    expect(next.statusCode).toBe(200);
    expect(next.json<Page>().data[0]!.id).not.toBe(first);
    // One list, two representations: the v1 cursor works on v2.
    expect(
      (await call(t.app, 'GET', `/v2/users?limit=1&cursor=${cursor}`, { tenant })).statusCode,
    ).toBe(200);
  });

  it('refuses hand-built, extended, padded and altered cursors with 400 invalid_cursor', async () => {
    const { first, cursor } = await firstPage(t, tenant);
    for (const forged of [
      b64(`c1:usr_${'z'.repeat(26)}`),
      b64(`c1:${first}`),
      b64(`c1:${first}:extra`),
      b64(`c2:${first}`),
      `${cursor}A`,
      `${cursor}=`,
      `${cursor}==`,
      `A${cursor}`,
      cursor.slice(0, -1),
      cursor.slice(0, -2) + (cursor.at(-2) === 'A' ? 'B' : 'A') + cursor.at(-1),
    ]) {
      await refused(`/v1/users?starting_after=${encodeURIComponent(forged)}`);
    }
  });

  it('binds a cursor to its tenant and its list', async () => {
    const { cursor } = await firstPage(t, tenant);
    await refused(`/v1/users?starting_after=${cursor}`, other);
    // Another list of the same tenant: api_keys ids do not even have the users' shape, so the
    // binding is proven with the users list of the other tenant above and this one:
    const keys = await call(t.app, 'POST', '/v1/api_keys', { tenant, body: { name: 'second' } });
    expect(keys.statusCode).toBe(201);
    const keyCursor = (await firstPage(t, tenant, '/v1/api_keys')).cursor;
    await refused(`/v1/users?starting_after=${keyCursor}`);
  });

  it('accepts cursors signed with the previous secret during the rotation window only', async () => {
    // Two more apps on the same database: rotated (B signs, A accepted for another minute) and
    // after the window (A no longer accepted).
    const appWith = async (until: number) => {
      const app = await buildApp(
        loadConfig({
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          DATABASE_URL: t.config.databaseUrl,
          LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
          CURSOR_SECRET: SECRET_B,
          CURSOR_SECRET_PREVIOUS: SECRET_A,
          CURSOR_SECRET_PREVIOUS_UNTIL: new Date(until).toISOString(),
        }),
        { db: t.db },
      );
      await app.ready();
      return { ...t, app };
    };
    const rotated = await appWith(Date.now() + 60_000);
    const expired = await appWith(Date.now() - 1);
    try {
      const old = `/v1/users?limit=1&starting_after=${(await firstPage(t, tenant)).cursor}`;
      expect((await call(rotated.app, 'GET', old, { tenant })).statusCode).toBe(200);
      expectProblem(await call(expired.app, 'GET', old, { tenant }), 400, 'invalid_cursor');
      // New cursors are signed with the new secret, which both accept and the old app does not.
      const fresh = `/v1/users?limit=1&starting_after=${(await firstPage(rotated, tenant)).cursor}`;
      expect((await call(expired.app, 'GET', fresh, { tenant })).statusCode).toBe(200);
      expectProblem(await call(t.app, 'GET', fresh, { tenant }), 400, 'invalid_cursor');
    } finally {
      await rotated.app.close();
      await expired.app.close();
    }
  });
});

describe('the cursor secret', () => {
  it('is generated once in development and kept in the data directory, readable by its owner only', () => {
    const db = tempDatabase();
    try {
      const config = loadConfig({ NODE_ENV: 'development', DATABASE_URL: db.url });
      const first = withCursorSecret(config).cursors.secret;
      const file = join(db.url, '..', 'cursor-secret');
      expect(readFileSync(file, 'utf8')).toBe(first);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(first!.length).toBeGreaterThanOrEqual(32);
      expect(withCursorSecret(config).cursors.secret).toBe(first);
    } finally {
      db.remove();
    }
  });

  it('is a configuration error in production when missing, too short, or half a rotation', () => {
    expect(() => withCursorSecret(loadConfig({ NODE_ENV: 'production' }))).toThrow(ConfigError);
    expect(() => loadConfig({ CURSOR_SECRET: 'short' })).toThrow(
      /CURSOR_SECRET must be at least 32/,
    );
    expect(() => loadConfig({ CURSOR_SECRET_PREVIOUS: SECRET_A })).toThrow(
      /CURSOR_SECRET_PREVIOUS_UNTIL/,
    );
    expect(() =>
      loadConfig({ CURSOR_SECRET_PREVIOUS: SECRET_A, CURSOR_SECRET_PREVIOUS_UNTIL: 'soon' }),
    ).toThrow(/ISO 8601/);
  });

  it(
    'missing in production makes the server exit 78, naming CURSOR_SECRET',
    { timeout: 30_000 },
    async () => {
      const db = tempDatabase();
      try {
        const result = await runTs(['src/main.ts'], {
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: '0',
          DATABASE_URL: db.url,
        });
        expect(result.code, result.stderr).toBe(78);
        expect(result.stderr).toMatch(
          /Invalid configuration: CURSOR_SECRET is required in production/,
        );
      } finally {
        db.remove();
      }
    },
  );
});
