import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the secret is `whsec_` + the
 * base64 of 32 random bytes; a signature is `v1,` + base64(HMAC-SHA256(key, `id.timestamp.body`)).
 */

const PREFIX = 'whsec_';

/** A new signing secret, shown to the tenant once. */
export function newSigningSecret(): string {
  return PREFIX + randomBytes(32).toString('base64');
}

/** One `v1,…` signature of a message with one secret. */
export function signature(secret: string, id: string, timestampSeconds: number, body: string) {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  const mac = createHmac('sha256', key)
    .update(`${id}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${mac}`;
}

/**
 * The three headers of a delivery. Every secret still valid signs (during a rotation's overlap,
 * the new and the previous one), space-separated, so receivers holding either verify.
 */
export function signedHeaders(
  secrets: readonly string[],
  id: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': secrets.map((s) => signature(s, id, timestampSeconds, body)).join(' '),
  };
}
