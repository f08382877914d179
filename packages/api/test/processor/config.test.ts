import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

describe('processor configuration', () => {
  it('defaults: no URL (the sandbox), 2 s per attempt, 8 s deadline, 4 attempts, breaker 5 / 10 s', () => {
    expect(loadConfig({}).processor).toEqual({
      url: undefined,
      attemptTimeoutMs: 2_000,
      deadlineMs: 8_000,
      maxAttempts: 4,
      breakerThreshold: 5,
      breakerHalfOpenAfterMs: 10_000,
    });
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PAYMENT_PROCESSOR_URL: 'https://processor.example.com/api/',
      PROCESSOR_ATTEMPT_TIMEOUT_MS: '500',
      PROCESSOR_DEADLINE_MS: '3000',
      PROCESSOR_MAX_ATTEMPTS: '2',
      PROCESSOR_BREAKER_THRESHOLD: '7',
      PROCESSOR_BREAKER_HALF_OPEN_MS: '2500',
    });
    expect(config.processor).toEqual({
      url: 'https://processor.example.com/api',
      attemptTimeoutMs: 500,
      deadlineMs: 3_000,
      maxAttempts: 2,
      breakerThreshold: 7,
      breakerHalfOpenAfterMs: 2_500,
    });
  });

  it.each([
    ['PAYMENT_PROCESSOR_URL', 'processor.example.com'],
    ['PAYMENT_PROCESSOR_URL', 'ftp://processor.example.com'],
    ['PAYMENT_PROCESSOR_URL', 'https://user:secret@processor.example.com'],
    ['PROCESSOR_ATTEMPT_TIMEOUT_MS', 'soon'],
    ['PROCESSOR_MAX_ATTEMPTS', '0'],
    ['PROCESSOR_BREAKER_THRESHOLD', '-1'],
    ['PROCESSOR_BREAKER_HALF_OPEN_MS', '1.5'],
  ])('refuses %s=%s, naming the variable', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(variable);
  });

  it('refuses a deadline shorter than one attempt', () => {
    expect(() =>
      loadConfig({ PROCESSOR_ATTEMPT_TIMEOUT_MS: '3000', PROCESSOR_DEADLINE_MS: '2000' }),
    ).toThrow(/PROCESSOR_DEADLINE_MS/);
  });

  it('never echoes credentials from the URL in its error', () => {
    expect(() =>
      loadConfig({ PAYMENT_PROCESSOR_URL: 'https://user:hunter2@processor.example.com' }),
    ).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});
