import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from '../../config/index.js';
import { redactSecrets } from './redaction.js';
import { logFieldsOf } from './trace-context.js';

/** The current second as `2026-12-07T12:07:13.`, rebuilt only when the second changes. */
let secondPrefix = '';
let prefixSecond = -1;

/**
 * pino's `time` field, as `new Date().toISOString()` writes it, without formatting a Date per
 * line: that was 40% of writing an access line (bench/profiles/get-order-*).
 */
export function isoTimestamp(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== prefixSecond) {
    prefixSecond = second;
    secondPrefix = new Date(second * 1000).toISOString().slice(0, 20);
  }
  const ms = now - second * 1000;
  return `,"time":"${secondPrefix}${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z"`;
}

/** What the mixin returns for a logger with no trace: recognised, never merged into. */
const NO_FIELDS: Readonly<Record<string, string>> = Object.freeze({});

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
    base: { service: 'steadfast-api' },
    timestamp: isoTimestamp,
    // Secret-named fields are censored here, not with pino's `redact` (redaction.ts says why).
    formatters: {
      level: (label) => ({ level: label }),
      log: redactSecrets,
      bindings: redactSecrets,
    },
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

/**
 * The app's logger with loggerOptions, to `stream` when given (tests read it), else stdout.
 * pino applies no formatter to a child's bindings, so `child` is wrapped to redact them as
 * lines are: children of children inherit the wrapper through their prototype.
 */
export function createAppLogger(
  config: Pick<Config, 'env' | 'logLevel'>,
  stream?: DestinationStream,
): Logger {
  const logger = stream ? pino(loggerOptions(config), stream) : pino(loggerOptions(config));
  type ChildArgs = Parameters<Logger['child']>;
  const ownChild = Reflect.get(logger, 'child') as unknown as (
    this: Logger,
    ...args: ChildArgs
  ) => Logger;
  logger.child = function redactedChild(
    this: Logger,
    bindings: ChildArgs[0],
    options: ChildArgs[1],
  ) {
    return ownChild.call(this, redactSecrets(bindings), options);
  } as unknown as Logger['child'];
  return logger;
}
