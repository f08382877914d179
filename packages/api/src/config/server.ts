/** The listener: environment, address, public URL, proxies, logging. */
import { isIP } from 'node:net';
import {
  baseUrl,
  boolean,
  ConfigError,
  oneOf,
  integer,
  parseHttpUrl,
  text,
  type Env,
} from './entry.js';
import { TLS_CERT_FILE } from './security.js';

export type Environment = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export const NODE_ENV = oneOf<Environment>('NODE_ENV', {
  values: ['development', 'test', 'production'],
  default: 'development',
  doc: 'Development seeds the demo tenant and pretty-prints logs on a terminal; it also sets the defaults of `LOG_LEVEL`, `SHUTDOWN_DELAY_MS` and `SEED_DEMO_TENANT`.',
});

export const HOST = text('HOST', {
  default: '127.0.0.1',
  doc: 'Interface to listen on. Loopback by default, so nothing is exposed by accident; use `0.0.0.0` in a container.',
});

export const PORT = integer('PORT', {
  default: 3000,
  min: 0,
  max: 65535,
  doc: 'TCP port of the listener.',
});

export const PUBLIC_BASE_URL = text('PUBLIC_BASE_URL', {
  type: 'absolute http(s) URL',
  default: (env) => {
    const host = HOST.read(env);
    const scheme = TLS_CERT_FILE.raw(env) === undefined ? 'http' : 'https';
    return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${PORT.read(env)}`;
  },
  defaultText: '`http://<HOST>:<PORT>` (`https` with TLS)',
  parse: (raw) => baseUrl(parseHttpUrl('PUBLIC_BASE_URL', raw)),
  doc: 'Absolute URL clients use to reach the API. Builds `Location` and `Link` headers, problem `type` URIs and the OpenAPI `servers` entry. Set it whenever clients come through a load balancer or `HOST` is `0.0.0.0`.',
});

/** One proxy address or CIDR block. */
function isAddressOrCidr(entry: string): boolean {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

export const TRUST_PROXY = text<boolean | string>('TRUST_PROXY', {
  type: '`true`, `false` or IP/CIDR list',
  default: false,
  parse: (raw) => {
    if (raw === 'false') return false;
    if (raw === 'true') return true;
    const entries = raw.split(',').map((entry) => entry.trim());
    if (entries.every(isAddressOrCidr)) return entries.join(',');
    throw new ConfigError(
      'TRUST_PROXY',
      `must be true, false or a comma-separated IP/CIDR list, got "${raw}"`,
    );
  },
  doc: 'Trust `X-Forwarded-*` headers: `true`, `false`, or a comma-separated list of proxy IPs/CIDRs (e.g. `10.0.0.0/8,127.0.0.1`).',
});

export const LOG_LEVEL = oneOf<LogLevel>('LOG_LEVEL', {
  values: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
  default: (env) => (NODE_ENV.read(env) === 'test' ? 'silent' : 'info'),
  defaultText: '`info` (`silent` when `NODE_ENV=test`)',
  doc: 'pino level.',
});

export const SEED_DEMO_TENANT = boolean('SEED_DEMO_TENANT', {
  default: (env) => NODE_ENV.read(env) === 'development',
  defaultText: '`true` in development, `false` otherwise',
  doc: 'On a start with no tenant in the database, create a demo tenant and print its API key.',
});

export const REQUEST_TURN_BATCHING = boolean('REQUEST_TURN_BATCHING', {
  default: true,
  doc: 'Requests that arrive in one event-loop turn wait for each other once, after the access log, then run the rest of the pipeline back to back (less CPU per request under concurrency; `false` runs each as it arrives). Health probes never wait. See [architecture](docs/architecture.md#the-request-path).',
});

export const serverEntries = [
  NODE_ENV,
  HOST,
  PORT,
  PUBLIC_BASE_URL,
  TRUST_PROXY,
  LOG_LEVEL,
  SEED_DEMO_TENANT,
  REQUEST_TURN_BATCHING,
];

export function loadServer(env: Env) {
  return {
    env: NODE_ENV.read(env),
    host: HOST.read(env),
    port: PORT.read(env),
    publicBaseUrl: PUBLIC_BASE_URL.read(env),
    trustProxy: TRUST_PROXY.read(env),
    logLevel: LOG_LEVEL.read(env),
    seedDemoTenant: SEED_DEMO_TENANT.read(env),
    requestTurnBatching: REQUEST_TURN_BATCHING.read(env),
  };
}
