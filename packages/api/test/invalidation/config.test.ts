import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('CACHE_INVALIDATION_CHANNEL', () => {
  it('defaults to one channel per deployment name, and takes another', () => {
    expect(loadConfig({}).cacheInvalidationChannel).toBe('steadfast:invalidate');
    expect(loadConfig({ CACHE_INVALIDATION_CHANNEL: 'staging:inv' }).cacheInvalidationChannel).toBe(
      'staging:inv',
    );
  });

  it.each(['has space', 'a{b}', 'x'.repeat(65)])('rejects %s, naming the variable', (value) => {
    const env = { CACHE_INVALIDATION_CHANNEL: value };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow('CACHE_INVALIDATION_CHANNEL');
  });
});
