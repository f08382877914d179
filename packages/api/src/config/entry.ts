/**
 * The parsing primitives of the configuration. Each environment variable is declared once, as an
 * Entry: its name, accepted form, default, bounds, one-line doc and whether it is a secret. The
 * section files (server.ts, database.ts, …) declare the entries and assemble their part of the
 * Config; the README table is rendered from the same entries (src/cli/config-docs.ts).
 *
 * Hand-written rather than env-schema: Ajv's coercion reads "" as 0, "0x10" as 16 and only
 * true/false as booleans, and reports `/PORT must be <= 65535`, while this configuration treats
 * an empty value as unset, accepts yes/no, and names the variable and the accepted form.
 */

/** The environment the configuration is read from (process.env by default). */
export type Env = Readonly<Record<string, string | undefined>>;

/** Thrown when an environment variable is missing or malformed; the message names it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`Invalid configuration: ${variable} ${reason}`);
    this.name = 'ConfigError';
  }
}

/** One environment variable: how it is read, and what the README table says about it. */
export interface Entry<T> {
  readonly name: string;
  /** The accepted form, as the README shows it (`integer 0–65535`, `true`/`false`, …). */
  readonly type: string;
  /** The default as the README shows it; computed defaults say what they follow. */
  readonly defaultText: string;
  /** One line for the README table (Markdown). */
  readonly doc: string;
  /** Never printed: the start-up summary masks it (test/observability/config-summary.test.ts). */
  readonly secret: boolean;
  /** Set when production refuses to start without it. */
  readonly requiredInProduction: boolean;
  /** The parsed value, or the default when unset or empty; throws ConfigError naming the variable. */
  read(env: Env): T;
  /** The raw trimmed value, undefined when unset or empty. */
  raw(env: Env): string | undefined;
}

type Fallback<T> = T | ((env: Env) => T);

interface Spec<T> {
  doc: string;
  default: Fallback<T>;
  /** Required when `default` is computed; otherwise derived from it. */
  defaultText?: string;
  secret?: boolean;
  requiredInProduction?: boolean;
}

function define<T>(
  name: string,
  type: string,
  spec: Either<T>,
  parse: (raw: string, env: Env) => T,
): Entry<T> {
  const fallback = spec.default;
  const defaultText =
    spec.defaultText ??
    (fallback === undefined
      ? 'unset'
      : typeof fallback === 'function'
        ? ''
        : `\`${String(fallback)}\``);
  const raw = (env: Env) => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  return {
    name,
    type,
    defaultText,
    doc: spec.doc,
    secret: spec.secret ?? false,
    requiredInProduction: spec.requiredInProduction ?? false,
    raw,
    read(env) {
      const value = raw(env);
      if (value !== undefined) return parse(value, env);
      return typeof fallback === 'function' ? (fallback as (env: Env) => T)(env) : (fallback as T);
    },
  };
}

type Optional<T> = Omit<Spec<T>, 'default'> & { default?: undefined };
/** What the implementations of the overloaded constructors accept: a default or none. */
type Either<T> = Omit<Spec<T>, 'default'> & { default?: Fallback<T> };

/** A whole number between `min` and `max`. */
export function integer(
  name: string,
  spec: Spec<number> & { min: number; max: number },
): Entry<number> {
  return define(name, `integer ${spec.min}–${spec.max}`, spec, (raw) => {
    if (!/^\d+$/.test(raw)) throw new ConfigError(name, `must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < spec.min || value > spec.max) {
      throw new ConfigError(name, `must be between ${spec.min} and ${spec.max}, got ${value}`);
    }
    return value;
  });
}

/** `true`/`1`/`yes` or `false`/`0`/`no`, any case. */
export function boolean(name: string, spec: Spec<boolean>): Entry<boolean> {
  return define(name, 'boolean', spec, (raw) => {
    const value = raw.toLowerCase();
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    throw new ConfigError(name, `must be true or false, got "${value}"`);
  });
}

/** One of a fixed set of words. */
export function oneOf<T extends string>(
  name: string,
  spec: Spec<T> & { values: readonly T[] },
): Entry<T>;
export function oneOf<T extends string>(
  name: string,
  spec: Optional<T> & { values: readonly T[] },
): Entry<T | undefined>;
export function oneOf<T extends string>(
  name: string,
  spec: Either<T> & { values: readonly T[] },
): Entry<T | undefined> {
  const type = spec.values.map((value) => `\`${value}\``).join(', ');
  return define(name, `one of ${type}`, spec, (raw) => {
    if (!(spec.values as readonly string[]).includes(raw)) {
      throw new ConfigError(name, `must be one of ${spec.values.join(', ')}, got "${raw}"`);
    }
    return raw as T;
  });
}

/** Free text, or any form `parse` accepts (it throws ConfigError for the rest). */
export function text<T = string>(
  name: string,
  spec: Spec<T> & { type?: string; parse?: (raw: string, env: Env) => T },
): Entry<T>;
export function text<T = string>(
  name: string,
  spec: Optional<T> & { type?: string; parse?: (raw: string, env: Env) => T },
): Entry<T | undefined>;
export function text<T>(
  name: string,
  spec: Either<T> & { type?: string; parse?: (raw: string, env: Env) => T },
): Entry<T | undefined> {
  return define(name, spec.type ?? 'string', spec, spec.parse ?? ((raw) => raw as T));
}

/**
 * An absolute http(s) URL, returned as origin + path without a trailing slash. `hideValue` keeps
 * the value out of the message (it may hold credentials).
 */
export function parseHttpUrl(name: string, raw: string, hideValue = false): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      name,
      hideValue
        ? 'must be an absolute http(s) URL'
        : `must be an absolute http(s) URL, got "${raw}"`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must use http or https, got "${url.protocol}"`);
  }
  return url;
}

/** The URL without a trailing slash, query or hash: the base that paths are appended to. */
export function baseUrl(url: URL): string {
  return url.origin + url.pathname.replace(/\/+$/, '');
}

/** A Redis key prefix or channel name; braces would change Redis Cluster hash tags. */
export function redisName(name: string, spec: Spec<string>): Entry<string> {
  return text(name, {
    ...spec,
    type: '1–64 of `A-Z a-z 0-9 _ : . -`',
    parse: (raw) => {
      if (!/^[\w:.-]{1,64}$/.test(raw)) {
        throw new ConfigError(name, 'must be 1-64 of A-Z a-z 0-9 _ : . -');
      }
      return raw;
    },
  });
}

/** A secret of at least 32 characters (an HMAC key or bearer credential), unset by default. */
export function secret(name: string, spec: Optional<string>): Entry<string | undefined> {
  return text(name, {
    ...spec,
    secret: true,
    type: 'string, ≥ 32 characters',
    parse: (raw) => {
      // 32 characters of base64 are 192 bits: an HMAC key an attacker cannot guess.
      if (raw.length < 32) {
        throw new ConfigError(
          name,
          'must be at least 32 characters (e.g. `openssl rand -base64 32`)',
        );
      }
      return raw;
    },
  });
}
