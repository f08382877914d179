/**
 * The configuration as logged at startup (`startup.config`): everything an operator needs to see
 * what the process runs with, and nothing that grants access. Credentials inside URLs, key
 * material (Buffers) and secret-named fields are masked, wherever they sit in the object.
 */

const MASK = '[masked]';
/** Inside a URL, where brackets would be percent-encoded. */
const URL_MASK = '***';
/** Field names whose values are credentials whatever their type. */
const SECRET_NAME = /secret|password|passphrase|token|credential|private|(^|_)key$|Key$|^cert$/i;

function maskUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return value;
  }
  if (!url.host) return value;
  let masked = false;
  if (url.password) {
    url.password = URL_MASK;
    masked = true;
  }
  for (const name of [...url.searchParams.keys()]) {
    if (SECRET_NAME.test(name)) {
      url.searchParams.set(name, URL_MASK);
      masked = true;
    }
  }
  // Untouched URLs are logged as configured, not re-serialised.
  return masked ? url.toString() : value;
}

function mask(value: unknown, name: string): unknown {
  if (value === undefined || value === null) return value;
  // A Date has no own enumerable fields: without this it would print as `{}`.
  if (value instanceof Date)
    return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (Buffer.isBuffer(value) || value instanceof Uint8Array) return MASK;
  if (typeof value === 'string') return SECRET_NAME.test(name) ? MASK : maskUrl(value);
  if (Array.isArray(value)) return value.map((item) => mask(item, name));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [key, mask(item, key)]),
    );
  }
  return value;
}

/** A copy of the configuration that is safe to log. */
export function configSummary(config: object): Record<string, unknown> {
  return mask(config, '') as Record<string, unknown>;
}
