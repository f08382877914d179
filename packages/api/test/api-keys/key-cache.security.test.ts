import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryBus, type Invalidation } from '../../src/platform/invalidation/bus.js';
import { createKeyVerifier } from '../../src/platform/auth/key-verifier.js';
import { createKeyStore, insertKey } from '../../src/modules/api-keys/repository.js';
import { hashKey } from '../../src/platform/auth/api-keys.js';
import { newId } from '../../src/platform/ids/ids.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

const randomHex = (length: number) =>
  Array.from({ length }, () => Math.floor(Math.random() * 16).toString(16)).join('');

/** A well-formed key whose 12-character lookup prefix no key has. */
const unknownKey = () => `sk_test_${randomHex(60)}`;

/** Queries one request costs, with the database counter of the test app. */
async function queriesOf(t: TestApp, send: () => Promise<unknown>): Promise<number> {
  const before = t.queries();
  await send();
  return t.queries() - before;
}

describe.each(stores)('API key cache (%s)', (store) => {
  // Issue 14, defect 3: lru-cache reads `ttl: 0` as "never expire", the resource caches as "off".
  it('API_KEY_CACHE_TTL_MS=0 turns the key cache off: a revocation in the database counts at once', async () => {
    // No webhook worker: its poll (a query every second) would land in a counted window.
    const t = await startApp(store, { API_KEY_CACHE_TTL_MS: '0', WEBHOOK_WORKER_ENABLED: 'false' });
    try {
      const tenant = await createTestTenant(t);
      expect((await call(t.app, 'GET', '/v1/users', { tenant })).statusCode).toBe(200);
      // Revoked behind the app's back (another node, an operator's SQL): no invalidation is sent.
      await t.db.kysely
        .updateTable('api_keys')
        .set({ revoked_at: new Date(Date.now() - 1000).toISOString() })
        .where('account_id', '=', tenant.accountId)
        .execute();
      expectProblem(await call(t.app, 'GET', '/v1/users', { tenant }), 401, 'unauthenticated');
    } finally {
      await t.close();
    }
  });

  describe('unknown key prefixes (issue 14, defect 6)', () => {
    let t: TestApp;
    let tenant: Tenant;
    const published: Invalidation[] = [];

    beforeAll(async () => {
      const bus = createMemoryBus();
      t = await startApp(store, { WEBHOOK_WORKER_ENABLED: 'false' }, undefined, {
        invalidation: {
          ...bus,
          publish: async (message) => {
            published.push(message);
            await bus.publish(message);
          },
        },
      });
      tenant = await createTestTenant(t);
    });
    afterAll(() => t.close());

    it('an unknown prefix costs a query once, then none: the same as a known prefix with a wrong secret', async () => {
      const unknown = { authorization: `Bearer ${unknownKey()}` };
      const wrongSecret = { authorization: `Bearer ${tenant.key.slice(0, 20)}${randomHex(48)}` };
      for (const headers of [unknown, wrongSecret]) {
        expectProblem(await call(t.app, 'GET', '/v1/users', { headers }), 401, 'unauthenticated');
      }
      for (const headers of [unknown, wrongSecret]) {
        const cost = await queriesOf(t, async () => {
          const response = await call(t.app, 'GET', '/v1/users', { headers });
          expectProblem(response, 401, 'unauthenticated');
        });
        expect(cost, headers.authorization.slice(0, 24)).toBe(0);
      }
    });

    it('creating a key drops its prefix from every instance\'s "unknown" cache', async () => {
      const response = await call(t.app, 'POST', '/v1/api_keys', { tenant, body: { name: 'n' } });
      expect(response.statusCode).toBe(201);
      const { prefix, secret } = response.json<{ prefix: string; secret: string }>();
      expect(published).toContainEqual({ kind: 'api_key', id: secret.slice(8, 20) });
      expect(prefix).toContain(secret.slice(8, 20));
    });

    it('a prefix remembered as unknown works as soon as a key with it is created and announced', async () => {
      const keys = createKeyVerifier({
        store: createKeyStore(t.db.kysely),
        cacheTtlMs: 60_000,
        cacheMax: 100,
        negativeCacheTtlMs: 60_000,
      });
      try {
        const presented = unknownKey();
        expect(await keys.verify(presented)).toBeNull();
        const lookup = presented.slice(8, 20);
        await insertKey(t.db.kysely, {
          id: newId('key'),
          account_id: tenant.accountId,
          lookup,
          secret_hash: hashKey(presented),
          mode: 'test',
          name: 'late',
          scopes: 'users:read',
          created_at: new Date().toISOString(),
        });
        // Still remembered as unknown until the creation is announced…
        expect(await keys.verify(presented)).toBeNull();
        await keys.invalidate(lookup);
        // …then found.
        expect(await keys.verify(presented)).toMatchObject({ accountId: tenant.accountId });
      } finally {
        keys.close();
      }
    });

    it('API_KEY_NEGATIVE_CACHE_TTL_MS=0 turns the negative cache off', async () => {
      const local = await startApp(store, {
        API_KEY_NEGATIVE_CACHE_TTL_MS: '0',
        WEBHOOK_WORKER_ENABLED: 'false',
      });
      try {
        const headers = { authorization: `Bearer ${unknownKey()}` };
        await call(local.app, 'GET', '/v1/users', { headers });
        expect(await queriesOf(local, () => call(local.app, 'GET', '/v1/users', { headers }))).toBe(
          1,
        );
      } finally {
        await local.close();
      }
    });
  });
});
