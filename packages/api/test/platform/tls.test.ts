import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { startApp, type TestApp } from '../support/app.js';
import { call } from '../support/http.js';
import { runTs } from '../support/process.js';

interface HttpsResult {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One GET over TLS that trusts only `ca` and checks the certificate is for `localhost`. */
function httpsGet(port: number, path: string, ca: string): Promise<HttpsResult> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, ca, servername: 'localhost', agent: false, timeout: 5000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('TLS request timed out')));
    req.on('error', reject);
    req.end();
  });
}

describe('TLS served directly', () => {
  let dir: string;
  let certFile: string;
  let keyFile: string;
  let otherKeyFile: string;
  let cert: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'steadfast-tls-'));
    const extensions = [
      {
        name: 'subjectAltName' as const,
        altNames: [
          { type: 2 as const, value: 'localhost' },
          { type: 7 as const, ip: '127.0.0.1' },
        ],
      },
    ];
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      extensions,
    });
    const other = await generate([{ name: 'commonName', value: 'other' }], { keyType: 'ec' });
    cert = pems.cert;
    certFile = join(dir, 'cert.pem');
    keyFile = join(dir, 'key.pem');
    otherKeyFile = join(dir, 'other-key.pem');
    writeFileSync(certFile, pems.cert);
    writeFileSync(keyFile, pems.private);
    writeFileSync(otherKeyFile, other.private);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('answers over HTTPS on loopback, with HSTS on successes and errors alike', async () => {
    const t = await startApp('sqlite', { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile });
    try {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = t.app.server.address() as AddressInfo;
      const live = await httpsGet(port, '/livez', cert);
      expect(live.status).toBe(200);
      expect(live.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      const refused = await httpsGet(port, '/v1/users', cert);
      expect(refused.status).toBe(401);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.headers['strict-transport-security']).toMatch(/^max-age=31536000/);
      // With TLS on and no PUBLIC_BASE_URL, links and problem types use https.
      expect(t.config.publicBaseUrl).toMatch(/^https:\/\//);
      expect(JSON.parse(refused.body)).toMatchObject({ type: expect.stringMatching(/^https:/) });
    } finally {
      await t.close();
    }
  });

  it('needs both files, readable, holding a certificate and its key', () => {
    const cases: [Record<string, string>, string][] = [
      [{ TLS_CERT_FILE: certFile }, 'TLS_KEY_FILE'],
      [{ TLS_KEY_FILE: keyFile }, 'TLS_CERT_FILE'],
      [{ TLS_CERT_FILE: join(dir, 'missing.pem'), TLS_KEY_FILE: keyFile }, 'TLS_CERT_FILE'],
      [{ TLS_CERT_FILE: certFile, TLS_KEY_FILE: join(dir, 'missing.pem') }, 'TLS_KEY_FILE'],
      [{ TLS_CERT_FILE: keyFile, TLS_KEY_FILE: keyFile }, 'TLS_CERT_FILE'],
      [{ TLS_CERT_FILE: certFile, TLS_KEY_FILE: certFile }, 'TLS_KEY_FILE'],
      [{ TLS_CERT_FILE: certFile, TLS_KEY_FILE: otherKeyFile }, 'TLS_KEY_FILE'],
    ];
    for (const [env, variable] of cases) {
      expect(() => loadConfig(env), JSON.stringify(env)).toThrowError(ConfigError);
      expect(() => loadConfig(env)).toThrowError(
        new RegExp(`^Invalid configuration: ${variable} `),
      );
    }
    expect(loadConfig({ TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile }).tls).toBeDefined();
    expect(loadConfig({}).tls).toBeUndefined();
  });

  it('an unreadable certificate stops the process at start with EX_CONFIG, naming it', async () => {
    const result = await runTs(['src/main.ts'], {
      NODE_ENV: 'production',
      TLS_CERT_FILE: join(dir, 'missing.pem'),
      TLS_KEY_FILE: keyFile,
    });
    expect(result.code).toBe(78);
    expect(result.stderr).toMatch(/Invalid configuration: TLS_CERT_FILE cannot be read/);
  });
});

describe('HSTS behind a TLS-terminating proxy', () => {
  let t: TestApp;
  const PROXY = '10.1.2.3';

  beforeAll(async () => {
    t = await startApp('sqlite', { TRUST_PROXY: `${PROXY},127.0.0.1/32` });
  });
  afterAll(() => t.close());

  const livez = (remoteAddress: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url: '/livez', remoteAddress, headers });

  it('is sent when a trusted proxy says the client used https', async () => {
    const response = await livez(PROXY, { 'x-forwarded-proto': 'https' });
    expect(response.headers['strict-transport-security']).toMatch(/^max-age=31536000/);
  });

  it('is not sent when the trusted proxy says http, or says nothing', async () => {
    expect(
      (await livez(PROXY, { 'x-forwarded-proto': 'http' })).headers['strict-transport-security'],
    ).toBeUndefined();
    expect((await livez(PROXY)).headers['strict-transport-security']).toBeUndefined();
  });

  it('ignores X-Forwarded-Proto from an address that is not a trusted proxy', async () => {
    const response = await livez('203.0.113.9', { 'x-forwarded-proto': 'https' });
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it('is not sent over plain HTTP without a proxy', async () => {
    const local = await startApp('sqlite');
    try {
      const response = await call(local.app, 'GET', '/livez', {
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(response.headers['strict-transport-security']).toBeUndefined();
    } finally {
      await local.close();
    }
  });
});
