import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('rate-limit configuration', () => {
  it('defaults: memory store, open on store errors, writes and 401s stricter than reads', () => {
    const config = loadConfig({});
    expect(config.redis).toBeUndefined();
    expect(config.rateLimit).toEqual({
      apiKey: { quota: 1200, windowSeconds: 60 },
      writes: { quota: 300, windowSeconds: 60 },
      ip: { quota: 300, windowSeconds: 60 },
      authFailures: { quota: 50, windowSeconds: 300 },
      onStoreError: 'open',
      redisPrefix: 'steadfast:rl:',
    });
    const perSecond = ({ quota, windowSeconds }: { quota: number; windowSeconds: number }) =>
      quota / windowSeconds;
    const { apiKey, writes, authFailures } = config.rateLimit;
    expect(perSecond(writes)).toBeLessThan(perSecond(apiKey));
    expect(perSecond(authFailures)).toBeLessThan(perSecond(writes));
  });

  it('reads REDIS_URL with a short command timeout', () => {
    const config = loadConfig({ REDIS_URL: 'rediss://user:pw@redis.internal:6380/2' });
    expect(config.redis).toEqual({
      url: 'rediss://user:pw@redis.internal:6380/2',
      commandTimeoutMs: 250,
    });
  });

  it.each([
    ['REDIS_URL', 'http://redis:6379'],
    ['REDIS_URL', 'redis://exa mple'],
    ['REDIS_COMMAND_TIMEOUT_MS', '0'],
    ['RATE_LIMIT_API_KEY_QUOTA', '0'],
    ['RATE_LIMIT_WRITE_WINDOW_SECONDS', '86401'],
    ['RATE_LIMIT_AUTH_FAILURE_QUOTA', 'ten'],
    ['RATE_LIMIT_ON_STORE_ERROR', 'maybe'],
    ['RATE_LIMIT_REDIS_PREFIX', 'app:{shard}:'],
  ])('rejects %s=%s, naming the variable', (variable, value) => {
    const env = { [variable]: value, REDIS_URL: 'redis://127.0.0.1:6379' };
    if (variable === 'REDIS_URL') env.REDIS_URL = value;
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(variable);
  });
});
