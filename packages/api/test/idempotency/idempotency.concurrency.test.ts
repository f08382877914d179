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
import { newKey } from './support.js';

describe.each(stores)('idempotency: concurrent duplicates (%s)', (store) => {
  let t: TestApp;
  let second: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp(store);
    // A second instance on the same database (the same SQLite file, or the same PostgreSQL).
    second = await startApp(store, { DATABASE_URL: t.config.databaseUrl });
    tenant = await createTestTenant(t);
  });
  afterAll(async () => {
    await second.close();
    await t.close();
  });

  const usersWithEmail = async (email: string) =>
    (
      await t.db.kysely
        .selectFrom('users')
        .select('id')
        .where('account_id', '=', tenant.accountId)
        .where('email', '=', email)
        .execute()
    ).length;

  /** Every answer is the one 201 (first or replayed) or a 409 in progress; never a 5xx. */
  function expectOneEffect(responses: Awaited<ReturnType<typeof call>>[]) {
    const created = responses.filter((r) => r.statusCode === 201);
    const statuses = responses.map((r) => r.statusCode);
    expect(
      statuses.every((s) => s === 201 || s === 409),
      statuses.join(','),
    ).toBe(true);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(created.filter((r) => r.headers['idempotent-replayed'] === undefined)).toHaveLength(1);
    expect(new Set(created.map((r) => r.body)).size).toBe(1);
    for (const conflict of responses.filter((r) => r.statusCode === 409)) {
      expect(conflict.json<{ code: string }>().code).toBe('idempotency_request_in_progress');
      expect(conflict.headers['retry-after']).toBe('1');
    }
  }

  it('20 concurrent POST /v1/users with one key create exactly one user', async () => {
    const email = uniqueEmail('race');
    const headers = { 'idempotency-key': newKey() };
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        call(t.app, 'POST', '/v1/users', { tenant, body: { email }, headers }),
      ),
    );
    expectOneEffect(responses);
    expect(await usersWithEmail(email)).toBe(1);
  });

  it('two instances sharing the database produce one effect', async () => {
    const email = uniqueEmail('twin');
    const headers = { 'idempotency-key': newKey() };
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call(i % 2 === 0 ? t.app : second.app, 'POST', '/v1/users', {
          tenant,
          body: { email },
          headers,
        }),
      ),
    );
    expectOneEffect(responses);
    expect(await usersWithEmail(email)).toBe(1);
    // Once settled, either instance replays the same answer.
    const created = responses.find((r) => r.statusCode === 201)!;
    for (const app of [t.app, second.app]) {
      const replay = await call(app, 'POST', '/v1/users', { tenant, body: { email }, headers });
      expect(replay.statusCode).toBe(201);
      expect(replay.headers['idempotent-replayed']).toBe('true');
      expect(replay.body).toBe(created.body);
    }
  });
});
