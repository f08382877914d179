/** HTTPS served directly, and the browser origins allowed to call the API. */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, parseHttpUrl, text, type Env } from './entry.js';

export interface TlsConfig {
  /** PEM certificate chain. */
  cert: Buffer;
  /** PEM private key. Never logged: the start-up summary masks Buffers. */
  key: Buffer;
}

export const TLS_CERT_FILE = text('TLS_CERT_FILE', {
  type: 'file path',
  doc: 'PEM certificate (with its chain) to serve HTTPS directly; set together with `TLS_KEY_FILE`. An unreadable file, or a key that does not match, stops the start. Unset: plain HTTP, with TLS ended by your load balancer. See [Security](#security).',
});

export const TLS_KEY_FILE = text('TLS_KEY_FILE', {
  type: 'file path',
  doc: 'Unencrypted PEM private key of `TLS_CERT_FILE`.',
});

export const CORS_ALLOWED_ORIGINS = text<string[]>('CORS_ALLOWED_ORIGINS', {
  type: 'comma-separated origins',
  default: [],
  defaultText: 'unset (no CORS)',
  // Exact origins only: `*` is no allow-list, and browsers forbid it with credentials anyway.
  parse: (raw) =>
    raw
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map((entry) => {
        let origin: string | undefined;
        try {
          origin = parseHttpUrl('CORS_ALLOWED_ORIGINS', entry).origin;
        } catch {
          origin = undefined;
        }
        if (origin !== entry) {
          throw new ConfigError(
            'CORS_ALLOWED_ORIGINS',
            `must list origins like https://app.example.com (no path, no "*"), got "${entry}"`,
          );
        }
        return entry;
      }),
  doc: 'Browser origins allowed to call the API, e.g. `https://app.example.com,http://localhost:5173`: exact origins, no path, `*` refused. Unset: no CORS headers at all.',
});

export const securityEntries = [TLS_CERT_FILE, TLS_KEY_FILE, CORS_ALLOWED_ORIGINS];

function readPem(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ConfigError(name, `cannot be read (${reason}): ${path}`);
  }
}

/** Both files or neither; each must be readable and hold PEM that matches the other. */
function loadTls(env: Env): TlsConfig | undefined {
  const certFile = TLS_CERT_FILE.read(env);
  const keyFile = TLS_KEY_FILE.read(env);
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

export function loadSecurity(env: Env) {
  return { tls: loadTls(env), corsAllowedOrigins: CORS_ALLOWED_ORIGINS.read(env) };
}
