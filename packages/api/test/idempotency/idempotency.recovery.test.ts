import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestTenant,
  startApp,
  stores,
  uniqueEmail,
  type Tenant,
  type TestApp,
} from '../support/app.js';
import { call, expectProblem } from '../support/http.js';
import { begin, createContext } from '../../src/platform/idempotency/execution.js';
import { requestFingerprint } from '../../src/platform/idempotency/fingerprint.js';
import { purgeExpiredIdempotencyKeys } from '../../src/platform/idempotency/purge.js';
import { ECHO, SETTINGS, insertRecord, newKey, recordOf, registerTestRoutes } from './support.js';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

describe.each(stores)('idempotency: crash recovery, expiry and purge (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;

  beforeAll(async () => {
    t = await startApp(store, {}, (app) => registerTestRoutes(app, { failAfterAdvance: false }));
    tenant = await createTestTenant(t);
  });
  afterAll(() => t.close());

  it('takes over a record whose lock went stale and resumes from its recovery point', async () => {
    const key = newKey();
    await insertRecord(t, tenant, {
      key,
      path: ECHO,
      body: {},
      recovery_point: 'x',
      resource_id: 'res_x',
      locked_at: minutesAgo(2),
    });
    const response = await call(t.app, 'POST', ECHO, {
      tenant,
      body: {},
      headers: { 'idempotency-key': key },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toEqual({ recovery_point: 'x', resource_id: 'res_x' });
    expect(await recordOf(t, tenant, key)).toMatchObject({
      status: 'completed',
      response_status: 200,
    });
  });

  it('resumes a released (unlocked) record at once', async () => {
    const key = newKey();
    await insertRecord(t, tenant, {
      key,
      path: ECHO,
      body: {},
      recovery_point: 'y',
      locked_at: null,
    });
    const response = await call(t.app, 'POST', ECHO, {
      tenant,
      body: {},
      headers: { 'idempotency-key': key },
    });
    expect(response.json()).toEqual({ recovery_point: 'y', resource_id: null });
  });

  it('a lock younger than IDEMPOTENCY_LOCK_TIMEOUT_MS is respected (409)', async () => {
    const key = newKey();
    await insertRecord(t, tenant, { key, path: ECHO, body: {}, locked_at: minutesAgo(0.5) });
    expectProblem(
      await call(t.app, 'POST', ECHO, { tenant, body: {}, headers: { 'idempotency-key': key } }),
      409,
      'idempotency_request_in_progress',
    );
  });

  it('fences the old owner: after a takeover its complete() fails and commits nothing', async () => {
    const db = t.db.kysely;
    const input = {
      accountId: tenant.accountId,
      key: newKey(),
      fingerprint: requestFingerprint('POST', ECHO, {}),
      method: 'POST',
      path: ECHO,
    };
    const first = await begin(db, SETTINGS, input);
    expect(first.kind).toBe('execute');
    // Another instance, two minutes later, sees a stale lock.
    const later = () => new Date(Date.now() + 120_000);
    const second = await begin(db, SETTINGS, input, later);
    expect(second.kind).toBe('execute');
    if (first.kind !== 'execute' || second.kind !== 'execute') return;
    expect(second.recordId).toBe(first.recordId);
    // The stale owner finally finishes: its transaction (with its domain change) must roll back.
    const stale = createContext(input.key, first, first);
    const email = uniqueEmail('fenced');
    await expect(
      db.transaction().execute(async (trx) => {
        await trx
          .insertInto('users')
          .values({
            id: `usr_${'0'.repeat(26)}`.slice(0, 30),
            account_id: tenant.accountId,
            email,
            email_normalized: email,
            name: null,
            created_at: new Date().toISOString(),
            updated_at: new Date().toISOString(),
          })
          .execute();
        await stale.complete(trx, { status: 201, body: { ok: true } });
      }),
    ).rejects.toMatchObject({ code: 'idempotency_request_in_progress' });
    const users = await db.selectFrom('users').select('id').where('email', '=', email).execute();
    expect(users).toHaveLength(0);
    // The new owner completes normally.
    const owner = createContext(input.key, second, second);
    await db.transaction().execute((trx) => owner.complete(trx, { status: 200, body: {} }));
    expect(await recordOf(t, tenant, input.key)).toMatchObject({ status: 'completed' });
  });

  it('ignores an expired record: the key is free again before the purge runs', async () => {
    const key = newKey();
    await insertRecord(t, tenant, {
      key,
      path: '/v1/users',
      body: { email: 'someone-else@example.com' },
      status: 'completed',
      locked_at: null,
      response_status: 201,
      response_body: '{}',
      response_headers: '{}',
      created_at: minutesAgo(60 * 25),
      expires_at: minutesAgo(60),
    });
    const response = await call(t.app, 'POST', '/v1/users', {
      tenant,
      body: { email: uniqueEmail('expired') },
      headers: { 'idempotency-key': key },
    });
    expect(response.statusCode, response.body).toBe(201);
    expect(response.headers['idempotent-replayed']).toBeUndefined();
  });

  it('the purge deletes expired records in batches and keeps live ones', async () => {
    const expired = await Promise.all(
      Array.from({ length: 5 }, () =>
        insertRecord(t, tenant, {
          key: newKey('old'),
          path: ECHO,
          body: {},
          expires_at: minutesAgo(1),
        }),
      ),
    );
    const live = await insertRecord(t, tenant, { key: newKey('live'), path: ECHO, body: {} });
    const deleted = await purgeExpiredIdempotencyKeys(t.db.kysely, { batchSize: 2 });
    expect(deleted).toBeGreaterThanOrEqual(5);
    const left = await t.db.kysely
      .selectFrom('idempotency_keys')
      .select('id')
      .where('id', 'in', [...expired, live])
      .execute();
    expect(left.map((row) => row.id)).toEqual([live]);
  });

  it('the purge stops after maxBatches and the next run finishes the job', async () => {
    await Promise.all(
      Array.from({ length: 3 }, () =>
        insertRecord(t, tenant, {
          key: newKey('old'),
          path: ECHO,
          body: {},
          expires_at: minutesAgo(1),
        }),
      ),
    );
    expect(await purgeExpiredIdempotencyKeys(t.db.kysely, { batchSize: 1, maxBatches: 2 })).toBe(2);
    expect(await purgeExpiredIdempotencyKeys(t.db.kysely)).toBeGreaterThanOrEqual(1);
  });
});
