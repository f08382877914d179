import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface Certificate {
  certFile: string;
  keyFile: string;
}

/**
 * A fresh self-signed certificate (P-256, 30 days) for `localhost` and 127.0.0.1, made with the
 * machine's openssl. Staging only: clients pass `--cacert <certFile>` instead of turning
 * verification off. A real environment mounts a certificate from its CA instead.
 */
export function generateCertificate(dir: string, commonName = 'localhost'): Certificate {
  mkdirSync(dir, { recursive: true });
  const certFile = join(dir, 'cert.pem');
  const keyFile = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '30',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      `subjectAltName=DNS:${commonName},DNS:localhost,IP:127.0.0.1`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'pipe' },
  );
  chmodSync(keyFile, 0o600);
  return { certFile, keyFile };
}
