import type { LoggerOptions } from 'pino';
import type { Config } from '../../config/index.js';
import { logFieldsOf } from './trace-context.js';

/** What the mixin returns for a logger with no trace: recognised, never merged into. */
const NO_FIELDS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * Paths redacted in log objects: credential headers, and secret-named fields up to two levels
 * deep. pino redaction is path-based (fast, no deep walk), so code must not log secrets deeper
 * than that; the observability test pins these paths.
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
  'headers["x-api-key"]',
  'api_key',
  '*.api_key',
  '*.*.api_key',
  'secret',
  '*.secret',
  '*.*.secret',
  'password',
  '*.password',
  '*.*.password',
];

/**
 * pino-pretty is a development dependency: a production install (and the image) does not
 * contain it, so it is used only where it resolves, and never outside development.
 */
function prettyPrinterInstalled(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/** pino options for the app: JSON lines, redaction, pretty only on a development TTY. */
export function loggerOptions(config: Pick<Config, 'env' | 'logLevel'>): LoggerOptions {
  const pretty =
    config.env === 'development' && process.stdout.isTTY === true && prettyPrinterInstalled();
  return {
    level: config.logLevel,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    base: { service: 'steadfast-api' },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label) => ({ level: label }) },
    // A request's trace ids, without a child logger per request (trace-context.ts).
    mixin: (_line, _level, logger) => logFieldsOf(logger) ?? NO_FIELDS,
    // pino's default merge assigns the line into the mixin's object: never into a shared one.
    mixinMergeStrategy: (line, fields) =>
      fields === NO_FIELDS ? line : Object.assign({}, fields, line),
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l' } } }
      : {}),
  };
}
