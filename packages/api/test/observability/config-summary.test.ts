import { describe, expect, it } from 'vitest';
import { configEntries, loadConfig } from '../../src/config/index.js';
import { configSummary } from '../../src/platform/observability/config-summary.js';

describe('startup config summary', () => {
  it('masks credentials in URLs, key material and secret-named fields, keeps the rest', () => {
    const summary = configSummary({
      databaseUrl: 'postgres://app:hunter2@db.internal:5432/steadfast?sslmode=require',
      redis: { url: 'rediss://:s3cr3t@cache:6380/0', commandTimeoutMs: 250 },
      tls: { cert: Buffer.from('CERT'), key: Buffer.from('PRIVATE') },
      jwt: { jwksUrl: 'https://idp.example/jwks?access_token=abc123', audience: 'steadfast' },
      webhook: { signingSecret: 'whsec_123', apiKey: 'k_123', tokens: ['a'] },
      port: 3000,
      corsAllowedOrigins: ['https://app.example'],
    });
    const text = JSON.stringify(summary);
    for (const secret of ['hunter2', 's3cr3t', 'CERT', 'PRIVATE', 'abc123', 'whsec_123', 'k_123']) {
      expect(text).not.toContain(secret);
    }
    expect(summary).toMatchObject({
      databaseUrl: 'postgres://app:***@db.internal:5432/steadfast?sslmode=require',
      redis: { commandTimeoutMs: 250 },
      tls: { cert: '[masked]', key: '[masked]' },
      jwt: { audience: 'steadfast' },
      port: 3000,
      corsAllowedOrigins: ['https://app.example'],
    });
  });

  it('is safe for the real configuration', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATABASE_URL: 'postgres://app:hunter2@127.0.0.1:5432/steadfast',
      REDIS_URL: 'redis://default:redispass@127.0.0.1:6379',
    });
    const text = JSON.stringify(configSummary(config));
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('redispass');
    expect(text).toContain(
      '"metrics":{"enabled":true,"host":"127.0.0.1","port":9464,"livenessStallMs":30000}',
    );
    // Dates print as ISO dates (a Date has no enumerable fields: it used to print as `{}`).
    expect(text).toContain('"v1DeprecatedAt":"2026-11-25T00:00:00.000Z"');
  });

  it('never prints the value of an entry declared secret', () => {
    const secrets = configEntries.filter((entry) => entry.secret);
    expect(secrets.map((entry) => entry.name)).toContain('CURSOR_SECRET');
    const env: Record<string, string> = { CURSOR_SECRET_PREVIOUS_UNTIL: '2030-01-01T00:00:00Z' };
    for (const entry of secrets)
      env[entry.name] = `${entry.name}-value-that-must-stay-hidden-0123456789`;
    const text = JSON.stringify(configSummary(loadConfig(env)));
    for (const entry of secrets) expect(text, entry.name).not.toContain(env[entry.name]);
  });
});
