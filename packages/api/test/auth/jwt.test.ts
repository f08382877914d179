import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWK, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { createTestTenant, startApp, stores, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

const ISSUER = 'https://idp.test/';
const AUDIENCE = 'steadfast-api';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

/** A real JWKS endpoint on loopback whose key set the test can rotate. */
async function startJwks(
  keys: () => JWK[],
): Promise<{ url: string; fetches: () => number; close: () => Promise<void> }> {
  let fetches = 0;
  const server: Server = createServer((_request, response) => {
    fetches += 1;
    response
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ keys: keys() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe.each(stores)('OAuth2/OIDC access tokens (%s)', (store) => {
  let t: TestApp;
  let tenant: Tenant;
  let current: SigningKey;
  let rotated: SigningKey;
  let published: JWK[];
  let jwks: Awaited<ReturnType<typeof startJwks>>;

  const token = (
    claims: Record<string, unknown> = {},
    options: { key?: SigningKey; expiresIn?: string | number } = {},
  ) => {
    const key = options.key ?? current;
    return new SignJWT({
      iss: ISSUER,
      aud: AUDIENCE,
      tenant_id: tenant.accountId,
      scope: 'users:read orders:read',
      ...claims,
    })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setSubject('client-42')
      .setIssuedAt()
      .setExpirationTime(options.expiresIn ?? '5m')
      .sign(key.privateKey);
  };
  const bearer = (value: string) => ({ authorization: `Bearer ${value}` });

  beforeAll(async () => {
    current = await signingKey('key-1');
    rotated = await signingKey('key-2');
    published = [current.publicJwk];
    jwks = await startJwks(() => published);
    t = await startApp(store, {
      JWT_JWKS_URL: jwks.url,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      JWT_CLOCK_SKEW_SECONDS: '30',
      JWT_JWKS_COOLDOWN_MS: '0',
    });
    tenant = await createTestTenant(t);
    await call(t.app, 'POST', '/v1/users', { tenant, body: { email: 'jwt.owner@example.com' } });
  });
  afterAll(async () => {
    await t.close();
    await jwks.close();
  });

  it('a valid token acts as its tenant with its scopes', async () => {
    const response = await call(t.app, 'GET', '/v1/users', { headers: bearer(await token()) });
    expect(response.statusCode).toBe(200);
    expect(response.json<{ data: { email: string }[] }>().data.map((u) => u.email)).toEqual([
      'jwt.owner@example.com',
    ]);
    const write = await call(t.app, 'POST', '/v1/users', {
      headers: bearer(await token()),
      body: { email: 'no@example.com' },
    });
    expectProblem(write, 403, 'insufficient_scope');
    expect(write.headers['www-authenticate']).toContain(
      'error="insufficient_scope", scope="users:write"',
    );
    const scoped = await call(t.app, 'POST', '/v1/users', {
      headers: bearer(await token({ scope: ['users:write'] })),
      body: { email: 'yes@example.com' },
    });
    expect(scoped.statusCode).toBe(201);
  });

  it('tolerates small clock skew but refuses expired tokens', async () => {
    const nowSeconds = Math.floor(Date.now() / 1000);
    expect(
      (
        await call(t.app, 'GET', '/v1/users', {
          headers: bearer(await token({}, { expiresIn: nowSeconds - 10 })),
        })
      ).statusCode,
    ).toBe(200);
    const expired = await call(t.app, 'GET', '/v1/users', {
      headers: bearer(await token({}, { expiresIn: nowSeconds - 120 })),
    });
    expectProblem(expired, 401, 'unauthenticated');
    expect(expired.headers['www-authenticate']).toContain('error="invalid_token"');
  });

  it.each([
    ['wrong audience', { aud: 'someone-else' }],
    ['wrong issuer', { iss: 'https://evil.test/' }],
    ['unknown tenant', { tenant_id: 'acct_01jdq3z7x8k2m4n6p8r0s2t4v6' }],
    ['malformed tenant', { tenant_id: "acct_x' or 1=1" }],
    ['no tenant', { tenant_id: undefined }],
  ])('refuses a token with %s', async (_label, claims) => {
    expectProblem(
      await call(t.app, 'GET', '/v1/users', { headers: bearer(await token(claims)) }),
      401,
      'unauthenticated',
    );
  });

  it('refuses alg:none and HS256 signed with the public key (algorithm confusion)', async () => {
    const payload = {
      tenant_id: tenant.accountId,
      scope: 'users:read',
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'x',
      exp: Math.floor(Date.now() / 1000) + 300,
    };
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
    expectProblem(
      await call(t.app, 'GET', '/v1/users', { headers: bearer(none) }),
      401,
      'unauthenticated',
    );
    const hs = await new SignJWT(payload)
      .setProtectedHeader({ alg: 'HS256', kid: current.kid })
      .sign(new TextEncoder().encode(current.publicPem));
    expectProblem(
      await call(t.app, 'GET', '/v1/users', { headers: bearer(hs) }),
      401,
      'unauthenticated',
    );
  });

  it('an unknown kid is refused until the provider publishes it, then accepted (JWKS refreshed)', async () => {
    const fromRotated = await token({}, { key: rotated });
    expectProblem(
      await call(t.app, 'GET', '/v1/users', { headers: bearer(fromRotated) }),
      401,
      'unauthenticated',
    );
    const before = jwks.fetches();
    published = [current.publicJwk, rotated.publicJwk];
    expect(
      (await call(t.app, 'GET', '/v1/users', { headers: bearer(fromRotated) })).statusCode,
    ).toBe(200);
    expect(jwks.fetches()).toBeGreaterThan(before);
  });

  it('a tampered signature is refused', async () => {
    const [header, payload, signature] = (await token()).split('.');
    const forged = `${header}.${b64({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), scope: 'users:write' })}.${signature}`;
    expectProblem(
      await call(t.app, 'POST', '/v1/users', {
        headers: bearer(forged),
        body: { email: 'forged@example.com' },
      }),
      401,
      'unauthenticated',
    );
  });
});

describe('access tokens when the identity provider is unreachable', () => {
  it('answers 503 service_unavailable with Retry-After, not 401 or 500', async () => {
    const key = await signingKey('k');
    const t = await startApp('sqlite', {
      JWT_JWKS_URL: 'http://127.0.0.1:1/jwks.json',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
    });
    try {
      const tenant = await createTestTenant(t);
      const jwt = await new SignJWT({ tenant_id: tenant.accountId, scope: 'users:read' })
        .setProtectedHeader({ alg: 'RS256', kid: 'k' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject('s')
        .setExpirationTime('5m')
        .sign(key.privateKey);
      const response = await call(t.app, 'GET', '/v1/users', {
        headers: { authorization: `Bearer ${jwt}` },
      });
      expectProblem(response, 503, 'service_unavailable');
      expect(response.headers['retry-after']).toBe('5');
    } finally {
      await t.close();
    }
  });
});

describe('JWT configuration', () => {
  const base = {
    JWT_JWKS_URL: 'https://idp.example.com/jwks',
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
  };
  it('is off unless JWT_JWKS_URL is set, and then needs issuer and audience', () => {
    expect(loadConfig({}).jwt).toBeUndefined();
    expect(() => loadConfig({ JWT_JWKS_URL: base.JWT_JWKS_URL, JWT_ISSUER: ISSUER })).toThrowError(
      /JWT_AUDIENCE/,
    );
    expect(loadConfig(base).jwt).toMatchObject({
      tenantClaim: 'tenant_id',
      scopeClaim: 'scope',
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    });
  });
  it('refuses symmetric algorithms and none', () => {
    for (const algorithms of ['HS256', 'RS256,none']) {
      expect(() => loadConfig({ ...base, JWT_ALGORITHMS: algorithms })).toThrowError(ConfigError);
    }
  });
});
