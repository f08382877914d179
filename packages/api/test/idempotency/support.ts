import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import type { IdempotencyConfig } from '../../src/config/index.js';
import type { Database } from '../../src/db/schema.js';
import { requireAuthentication } from '../../src/platform/auth/authenticate.js';
import { requestFingerprint } from '../../src/platform/idempotency/fingerprint.js';
import { registerIdempotency } from '../../src/platform/idempotency/plugin.js';
import type { Insertable } from 'kysely';
import type { TestApp, Tenant } from '../support/app.js';

export const SETTINGS: IdempotencyConfig = {
  ttlHours: 24,
  lockTimeoutMs: 60_000,
  purgeIntervalMs: 600_000,
};

export const ECHO = '/test/idempotency/echo';
export const REQUIRED = '/test/idempotency/required';
export const FAIL = '/test/idempotency/fail';
export const PHASED = '/test/idempotency/phased';

/** Switches of the test routes, per app. */
export interface Switches {
  /** PHASED throws after advancing while this is true. */
  failAfterAdvance: boolean;
}

const Body = Type.Object({ n: Type.Optional(Type.Integer()) }, { additionalProperties: false });

/**
 * Test-only routes in a context set up like app.ts's authenticated one (authentication, then
 * idempotency), for what no real route does yet: a required key, a 5xx, recovery points.
 */
export function registerTestRoutes(app: FastifyInstance, switches: Switches): void {
  void app.register(async (child) => {
    requireAuthentication(child, { keys: app.apiKeys, accounts: app.accounts });
    registerIdempotency(child, { db: app.db.kysely, settings: SETTINGS });
    const config = { scope: 'users:write' as const };
    const schema = { hide: true, body: Body };
    const seen = (request: {
      idempotency?: { recoveryPoint: string; resourceId: string | null };
    }) => ({
      recovery_point: request.idempotency?.recoveryPoint ?? null,
      resource_id: request.idempotency?.resourceId ?? null,
    });
    child.post(ECHO, { config, schema }, async (request) => seen(request));
    child.post(
      REQUIRED,
      { config: { ...config, idempotency: 'required' }, schema },
      async (request) => seen(request),
    );
    child.post(FAIL, { config, schema }, async () => {
      throw new Error('boom');
    });
    child.post(PHASED, { config, schema }, async (request) => {
      const context = request.idempotency!;
      if (context.recoveryPoint === 'started') {
        await app.db.kysely
          .transaction()
          .execute((trx) => context.advance(trx, 'charged', 'res_1'));
        if (switches.failAfterAdvance) throw new Error('crash after the external call');
      }
      return seen(request);
    });
  });
}

/** Inserts a record as another (possibly crashed) instance would have left it. */
export async function insertRecord(
  t: TestApp,
  tenant: Tenant,
  row: { key: string; path: string; body: unknown } & Partial<
    Insertable<Database['idempotency_keys']>
  >,
): Promise<string> {
  const { key, path, body, ...rest } = row;
  const now = Date.now();
  const id = `idem_test${Math.random().toString(36).slice(2, 12)}`;
  await t.db.kysely
    .insertInto('idempotency_keys')
    .values({
      id,
      account_id: tenant.accountId,
      key,
      request_fingerprint: requestFingerprint('POST', path, body),
      request_method: 'POST',
      request_path: path,
      status: 'in_flight',
      locked_at: new Date(now).toISOString(),
      created_at: new Date(now).toISOString(),
      expires_at: new Date(now + 3_600_000).toISOString(),
      ...rest,
    })
    .execute();
  return id;
}

export async function recordOf(t: TestApp, tenant: Tenant, key: string) {
  return t.db.kysely
    .selectFrom('idempotency_keys')
    .selectAll()
    .where('account_id', '=', tenant.accountId)
    .where('key', '=', key)
    .executeTakeFirst();
}

export const newKey = (label = 'k') =>
  `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
