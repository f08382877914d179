import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeyStore } from '../../src/modules/api-keys/repository.js';
import { requireAuthentication } from '../../src/platform/auth/authenticate.js';
import { createAccountStatuses } from '../../src/platform/auth/account-status.js';
import { createKeyVerifier } from '../../src/platform/auth/key-verifier.js';
import { parseScopes, SCOPES } from '../../src/platform/auth/scopes.js';
import { startApp, type TestApp } from '../support/app.js';

describe('scopes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp('sqlite');
  });
  afterAll(() => t.close());

  it('an authenticated route that declares no scope cannot even be registered', async () => {
    const app = Fastify();
    requireAuthentication(app, {
      keys: createKeyVerifier({
        store: createKeyStore(t.db.kysely),
        cacheTtlMs: 1000,
        cacheMax: 10,
      }),
      accounts: createAccountStatuses({ db: t.db.kysely, ttlMs: 1000, max: 10 }),
    });
    expect(() => app.get('/v1/unscoped', async () => ({}))).toThrowError(
      /declares no config.scope/,
    );
    app.get('/v1/scoped', { config: { scope: 'users:read' } }, async () => ({}));
    await app.close();
  });

  it('parses OAuth scope strings and arrays, dropping unknown ones', () => {
    expect(parseScopes('users:read  orders:write admin')).toEqual(['users:read', 'orders:write']);
    expect(parseScopes(['api_keys:manage', 42, 'users:read', 'users:read'])).toEqual([
      'api_keys:manage',
      'users:read',
    ]);
    expect(parseScopes(undefined)).toEqual([]);
    expect(SCOPES).toContain('payments:write');
  });
});
