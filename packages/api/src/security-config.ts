/**
 * The "protects itself" part of the configuration: TLS, CORS, request-shape limits and load
 * shedding. Split from config.ts to keep each file on one concern; loadConfig() spreads it into
 * the one Config object, so callers still see a single validated configuration.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, integer, read } from './config.js';

type Env = Record<string, string | undefined>;

export interface TlsConfig {
  /** PEM certificate chain (TLS_CERT_FILE). */
  cert: Buffer;
  /** PEM private key (TLS_KEY_FILE). Never logged: main.ts logs only whether TLS is on. */
  key: Buffer;
}

export interface SecurityConfig {
  /** TLS_CERT_FILE + TLS_KEY_FILE: serve HTTPS directly; undefined = plain HTTP behind a proxy. */
  tls?: TlsConfig;
  /** CORS_ALLOWED_ORIGINS: browser origins allowed to call the API; empty = no CORS headers. */
  corsAllowedOrigins: string[];
  /** Request-shape limits on top of BODY_LIMIT_BYTES. */
  limits: {
    /** MAX_HEADER_BYTES: Node's maxHeaderSize for the listener; larger headers answer 431. */
    maxHeaderBytes: number;
    /** JSON_MAX_DEPTH: deepest accepted nesting of a JSON body; deeper answers 400 json_too_deep. */
    jsonMaxDepth: number;
    /** MAX_QUERY_PARAMS: most query parameters per request; more answers 400 validation_failed. */
    maxQueryParams: number;
  };
  /** Connection caps of the API listener (platform/security/connection-limits.ts). */
  connections: {
    /** MAX_CONNECTIONS: open client connections at most; 0 = derived from `ulimit -n`. */
    maxConnections: number;
    /** MAX_CONNECTIONS_PER_ADDRESS: per client address (IPv6: per /64); 0 = derived. */
    maxConnectionsPerAddress: number;
    /** LISTEN_BACKLOG: connections the kernel completes before the process accepts them (capped by net.core.somaxconn). */
    listenBacklog: number;
  };
  /** Load shedding (503 + Retry-After when saturated); each threshold 0 = off. */
  loadShedding: {
    /** LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: mean event-loop delay over one sample that sheds load. */
    maxEventLoopDelayMs: number;
    /** LOAD_SHED_MAX_HEAP_USED_BYTES: V8 heap in use that sheds load. */
    maxHeapUsedBytes: number;
    /** LOAD_SHED_MAX_RSS_BYTES: resident set size that sheds load. */
    maxRssBytes: number;
    /** LOAD_SHED_SAMPLE_INTERVAL_MS: how often the process measures itself. */
    sampleIntervalMs: number;
    /** LOAD_SHED_MAX_QUEUE_MS: longest a request may wait behind others in one event-loop turn; 0 = off. */
    maxQueueMs: number;
    /** LOAD_SHED_CONCURRENCY_MIN: the adaptive in-flight limit never goes below this. */
    concurrencyMin: number;
    /** LOAD_SHED_CONCURRENCY_MAX: the adaptive in-flight limit never goes above this; 0 = off. */
    concurrencyMax: number;
  };
}

function readPem(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(name, `cannot be read (${reason}): ${path}`);
  }
}

/** Both files or neither; each must be readable and hold PEM that matches the other. */
function tlsConfig(env: Env): TlsConfig | undefined {
  const certFile = read(env, 'TLS_CERT_FILE');
  const keyFile = read(env, 'TLS_KEY_FILE');
  if (certFile === undefined && keyFile === undefined) return undefined;
  if (certFile === undefined)
    throw new ConfigError('TLS_CERT_FILE', 'is required with TLS_KEY_FILE');
  if (keyFile === undefined)
    throw new ConfigError('TLS_KEY_FILE', 'is required with TLS_CERT_FILE');
  const cert = readPem('TLS_CERT_FILE', certFile);
  const key = readPem('TLS_KEY_FILE', keyFile);
  // Parsed here so a wrong or mismatched file fails the start, not the first TLS handshake.
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new ConfigError('TLS_CERT_FILE', `is not a PEM certificate: ${certFile}`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new ConfigError('TLS_KEY_FILE', `is not an unencrypted PEM private key: ${keyFile}`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new ConfigError('TLS_KEY_FILE', 'does not match the certificate in TLS_CERT_FILE');
  }
  return { cert, key };
}

/**
 * Exact origins only (`https://app.example.com`, port when not the default). `*` is refused: an
 * allow-list that allows everyone is no allow-list, and browsers forbid it with credentials anyway.
 */
function corsOrigins(env: Env): string[] {
  const raw = read(env, 'CORS_ALLOWED_ORIGINS');
  if (raw === undefined) return [];
  return raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      let url: URL | undefined;
      try {
        url = new URL(entry);
      } catch {
        url = undefined;
      }
      if (!url || !['http:', 'https:'].includes(url.protocol) || url.origin !== entry) {
        throw new ConfigError(
          'CORS_ALLOWED_ORIGINS',
          `must list origins like https://app.example.com (no path, no "*"), got "${entry}"`,
        );
      }
      return entry;
    });
}

export function loadSecurityConfig(env: Env): SecurityConfig {
  return {
    tls: tlsConfig(env),
    corsAllowedOrigins: corsOrigins(env),
    limits: {
      // Node's own default is 16 KiB; it is stated here so the limit is visible and tunable.
      maxHeaderBytes: integer(env, 'MAX_HEADER_BYTES', 16 * 1024, 1024, 1024 * 1024),
      jsonMaxDepth: integer(env, 'JSON_MAX_DEPTH', 20, 2, 1000),
      maxQueryParams: integer(env, 'MAX_QUERY_PARAMS', 30, 1, 1000),
    },
    connections: {
      maxConnections: integer(env, 'MAX_CONNECTIONS', 0, 0, 10_000_000),
      maxConnectionsPerAddress: integer(env, 'MAX_CONNECTIONS_PER_ADDRESS', 0, 0, 10_000_000),
      // Node's default is 511: a burst of new connections while the loop is busy overflows it,
      // and a dropped handshake costs the client a 1 s, then 3 s, SYN retransmission (issue 20).
      listenBacklog: integer(env, 'LISTEN_BACKLOG', 4096, 1, 65_535),
    },
    loadShedding: {
      maxEventLoopDelayMs: integer(env, 'LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS', 1000, 0, 60_000),
      maxHeapUsedBytes: integer(env, 'LOAD_SHED_MAX_HEAP_USED_BYTES', 0, 0, 2 ** 40),
      maxRssBytes: integer(env, 'LOAD_SHED_MAX_RSS_BYTES', 0, 0, 2 ** 40),
      sampleIntervalMs: integer(env, 'LOAD_SHED_SAMPLE_INTERVAL_MS', 1000, 10, 60_000),
      maxQueueMs: integer(env, 'LOAD_SHED_MAX_QUEUE_MS', 100, 0, 60_000),
      concurrencyMin: integer(env, 'LOAD_SHED_CONCURRENCY_MIN', 8, 1, 100_000),
      concurrencyMax: integer(env, 'LOAD_SHED_CONCURRENCY_MAX', 1000, 0, 100_000),
    },
  };
}
