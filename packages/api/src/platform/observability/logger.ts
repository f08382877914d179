import type { LoggerOptions } from 'pino';
import type { Config } from '../../config.js';

/**
 * Paths redacted wherever they appear in a log object. Secrets never reach the log even when a
 * request or error object is logged whole.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'authorization',
  'cookie',
  'api_key',
  'secret',
  '*.secret',
  'password',
  '*.password',
];

/** pino options for the app: JSON lines, redaction, pretty only on a development TTY. */
export function loggerOptions(config: Pick<Config, 'env' | 'logLevel'>): LoggerOptions {
  const pretty = config.env === 'development' && process.stdout.isTTY;
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'steadfast-api' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
}
