import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';

export const ISSUER = 'https://idp.test/';
export const AUDIENCE = 'steadfast-api';

export interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  publicPem: string;
}

/** A fresh RS256 key pair with its public JWK as a provider would publish it. */
export async function signingKey(kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return {
    kid,
    privateKey,
    publicJwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    publicPem: await exportSPKI(publicKey),
  };
}

export interface JwksServer {
  url: string;
  /** Requests the endpoint received. */
  fetches: () => number;
  /** The keys it publishes. */
  publish: (keys: JWK[]) => void;
  /** While true it answers 500, as a provider in an outage. */
  failing: (on: boolean) => void;
  close: () => Promise<void>;
}

/** A real JWKS endpoint on loopback whose key set and health the test controls. */
export async function startJwks(initial: JWK[]): Promise<JwksServer> {
  let fetches = 0;
  let keys = initial;
  let fail = false;
  const server: Server = createServer((_request, response) => {
    fetches += 1;
    if (fail) {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('upstream error');
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/.well-known/jwks.json`,
    fetches: () => fetches,
    publish: (next) => {
      keys = next;
    },
    failing: (on) => {
      fail = on;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An access token for `tenant` signed with `key`; claims override the defaults. */
export function accessToken(
  key: SigningKey,
  tenant: string,
  claims: Record<string, unknown> = {},
  subject = 'client-42',
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: ISSUER,
    aud: AUDIENCE,
    tenant_id: tenant,
    scope: 'users:read',
    iat: now,
    exp: now + 300,
    ...claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setSubject(subject)
    .sign(key.privateKey);
}
