import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('loadConfig', () => {
  it('has working defaults: loopback, port 3000, SQLite under ./data', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      env: 'development',
      host: '127.0.0.1',
      port: 3000,
      publicBaseUrl: 'http://127.0.0.1:3000',
      databaseUrl: 'sqlite:./data/steadfast.db',
      keepAliveTimeoutMs: 72_000,
      seedDemoTenant: true,
      migrateOnStart: true,
    });
    // Keep-alive must outlast a typical load balancer idle timeout (60 s) to avoid 502s on reuse.
    expect(config.keepAliveTimeoutMs).toBeGreaterThan(60_000);
    expect(config.headersTimeoutMs).toBeLessThanOrEqual(config.requestTimeoutMs);
  });

  it('production turns off the demo tenant and waits before closing the listener', () => {
    const config = loadConfig({ NODE_ENV: 'production' });
    expect(config.seedDemoTenant).toBe(false);
    expect(config.shutdownDelayMs).toBeGreaterThan(0);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['NODE_ENV', 'staging'],
    ['LOG_LEVEL', 'verbose'],
    ['BODY_LIMIT_BYTES', '12'],
    ['PUBLIC_BASE_URL', 'not a url'],
    ['PUBLIC_BASE_URL', 'ftp://example.com'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['MIGRATE_ON_START', 'maybe'],
    ['TRUST_PROXY', 'everyone'],
    ['TRUST_PROXY', 'dead.beef'],
    ['TRUST_PROXY', '10.0.0.0/99'],
    ['TRUST_PROXY', '1.2.3.4,:'],
  ])('rejects %s=%s and names the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrowError(
      new RegExp(`^Invalid configuration: ${variable} `),
    );
  });

  it('accepts proxy IPs and CIDRs for TRUST_PROXY', () => {
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1' }).trustProxy).toBe(
      '10.0.0.0/8,127.0.0.1,::1',
    );
  });

  it('rejects a headers timeout longer than the request timeout', () => {
    expect(() =>
      loadConfig({ HEADERS_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '10000' }),
    ).toThrowError(/HEADERS_TIMEOUT_MS/);
  });

  it('accepts PostgreSQL URLs and strips a trailing slash from the public URL', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://u@db:5432/app',
      PUBLIC_BASE_URL: 'https://api.example.com/',
    });
    expect(config.databaseUrl).toBe('postgres://u@db:5432/app');
    expect(config.publicBaseUrl).toBe('https://api.example.com');
  });
});

describe('documented invariants between variables', () => {
  it('RECONCILE_STALE_AFTER_MS must exceed PROCESSOR_DEADLINE_MS, so a call in flight is never reconciled', () => {
    for (const stale of ['8000', '5000', '1']) {
      expect(() => loadConfig({ RECONCILE_STALE_AFTER_MS: stale })).toThrowError(
        /^Invalid configuration: RECONCILE_STALE_AFTER_MS must exceed PROCESSOR_DEADLINE_MS \(8000\)/,
      );
    }
    expect(() =>
      loadConfig({ PROCESSOR_DEADLINE_MS: '30000', RECONCILE_STALE_AFTER_MS: '20000' }),
    ).toThrowError(ConfigError);
    expect(loadConfig({ RECONCILE_STALE_AFTER_MS: '8001' }).payments.reconcileStaleAfterMs).toBe(
      8001,
    );
    expect(loadConfig({}).payments.reconcileStaleAfterMs).toBeGreaterThan(
      loadConfig({}).processor.deadlineMs,
    );
  });

  it('RECONCILE_STALE_AFTER_MS=0 still reconciles every open payment at once', () => {
    expect(loadConfig({ RECONCILE_STALE_AFTER_MS: '0' }).payments.reconcileStaleAfterMs).toBe(0);
  });

  it('IDEMPOTENCY_LOCK_TIMEOUT_MS must exceed HANDLER_TIMEOUT_MS', () => {
    expect(() =>
      loadConfig({ HANDLER_TIMEOUT_MS: '60000', IDEMPOTENCY_LOCK_TIMEOUT_MS: '60000' }),
    ).toThrowError(
      /^Invalid configuration: IDEMPOTENCY_LOCK_TIMEOUT_MS must exceed HANDLER_TIMEOUT_MS/,
    );
  });

  it('V1_SUNSET_AT must be after V1_DEPRECATED_AT, and METRICS_PORT differ from PORT', () => {
    expect(() =>
      loadConfig({
        V1_DEPRECATED_AT: '2027-01-01T00:00:00Z',
        V1_SUNSET_AT: '2026-12-01T00:00:00Z',
      }),
    ).toThrowError(/V1_SUNSET_AT must be after V1_DEPRECATED_AT/);
    expect(() => loadConfig({ PORT: '9464' })).toThrowError(/METRICS_PORT must differ from PORT/);
  });
});
