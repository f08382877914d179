import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import type { TlsPems } from '../fixtures/listen.js';

/** A self-signed certificate for 127.0.0.1, and its PEM written to a file for --ca. */
export async function selfSignedCertificate(): Promise<
  TlsPems & { caFile: string; remove: () => void }
> {
  const pems = await generate([{ name: 'commonName', value: '127.0.0.1' }], {
    keyType: 'ec',
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-check-tls-'));
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, pems.cert);
  return {
    cert: pems.cert,
    key: pems.private,
    caFile,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
