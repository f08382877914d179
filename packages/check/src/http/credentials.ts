import { randomBytes } from 'node:crypto';

/** One credential: the header it travels in and its value, e.g. `authorization: Bearer sk_…`. */
export interface Credential {
  /** Lower-case header name. */
  header: string;
  value: string;
  /** Which of the two credentials this is, for reports ("A" is --auth, "B" is --auth-b). */
  label: 'A' | 'B';
}

/** The credential cannot be read one way only; the message says how to write it. */
export class AmbiguousCredential extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AmbiguousCredential';
  }
}

/** Authorization schemes written as "<Scheme> <value>". */
const SCHEMES =
  /^(bearer|basic|token|digest|apikey|api-key|dpop|negotiate|hoba|mutual|aws4-hmac-sha256|sso-key|key)$/i;
/** Header names people pass credentials in, recognised even without a space after the colon. */
const CREDENTIAL_HEADERS =
  /^(x-[a-z0-9-]+|authorization|api-?key|apikey|cookie|private-token|auth-token|access-token)$/i;
const TOKEN_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** True when `value` is base64 of "user:password". */
function isBasicPayload(value: string): boolean {
  if (!BASE64.test(value) || value.length % 4 !== 0) return false;
  return Buffer.from(value, 'base64').toString('utf8').includes(':');
}

/**
 * Reads `--auth`, by these rules (first match wins):
 * 1. `Header-Name: value` (a space after the colon) sends `value` in that header.
 * 2. `Header-Name:value` without the space, for the usual credential headers only (`X-…`,
 *    `Authorization`, `Api-Key`, `Cookie`, `Private-Token`…).
 * 3. `Basic user:pass` is sent base64-encoded; `Basic <base64>` as it is.
 * 4. `<Scheme> <value>` (`Bearer …`, `Token …`, `Digest …`) is the Authorization value.
 * 5. A bare token without spaces or colons is the Authorization value as it is (APIs that want
 *    `Bearer` need it written).
 * Anything else, e.g. `name:value` where `name` is no credential header, is ambiguous and refused
 * with a message naming the ways to write it.
 */
export function parseCredential(raw: string, label: 'A' | 'B'): Credential {
  const trimmed = raw.trim();
  if (trimmed === '') throw new AmbiguousCredential(`the credential ${label} is empty`);
  const spaced = /^([^\s:]+):\s+(\S.*)$/.exec(trimmed);
  if (spaced && TOKEN_NAME.test(spaced[1]!) && !SCHEMES.test(spaced[1]!)) {
    return { header: spaced[1]!.toLowerCase(), value: spaced[2]!, label };
  }
  const tight = /^([^\s:]+):(\S.*)$/.exec(trimmed);
  if (tight && CREDENTIAL_HEADERS.test(tight[1]!)) {
    return { header: tight[1]!.toLowerCase(), value: tight[2]!, label };
  }
  const schemed = /^(\S+)\s+(\S.*)$/.exec(trimmed);
  if (schemed && /^basic$/i.test(schemed[1]!)) {
    const payload = schemed[2]!.trim();
    if (isBasicPayload(payload))
      return { header: 'authorization', value: `Basic ${payload}`, label };
    if (payload.includes(':')) {
      return {
        header: 'authorization',
        value: `Basic ${Buffer.from(payload, 'utf8').toString('base64')}`,
        label,
      };
    }
    throw new AmbiguousCredential(
      `--auth "Basic …" needs user:password (or its base64), got a value without a colon`,
    );
  }
  if (schemed && SCHEMES.test(schemed[1]!))
    return { header: 'authorization', value: trimmed, label };
  if (!/\s/.test(trimmed) && !trimmed.includes(':')) {
    return { header: 'authorization', value: trimmed, label };
  }
  const name = tight?.[1] ?? schemed?.[1] ?? trimmed;
  throw new AmbiguousCredential(
    `cannot tell how to send the credential ${label} ("${name}…"): write "Header-Name: value" ` +
      `(with a space after the colon) for a header, "Bearer <token>", "Basic user:password", ` +
      `or "Authorization: <value>" to send a value as it is`,
  );
}

/** Random characters shaped like `sample`: same length, same kind of characters per position. */
function lookalike(sample: string): string {
  const random = randomBytes(sample.length);
  const digits = '0123456789';
  const lower = 'abcdefghijklmnopqrstuvwxyz';
  const upper = lower.toUpperCase();
  return [...sample]
    .map((ch, i) => {
      const r = random[i]!;
      if (/[0-9]/.test(ch)) return digits[r % 10];
      if (/[a-z]/.test(ch)) return lower[r % 26];
      if (/[A-Z]/.test(ch)) return upper[r % 26];
      return ch;
    })
    .join('');
}

/**
 * A well-formed credential of the same form that no server can accept, to test the refusal of
 * bad credentials: `Basic` of `probe:wrong-<nonce>`, a bearer (or other scheme) token shaped like
 * the real one (its prefix up to `_`/`.` kept, the rest random), a random 32-hex Bearer token
 * when the run has no credential. A malformed one would test the parser, not authentication.
 */
export function invalidLike(credential: Credential | undefined, nonce: string): Credential {
  if (!credential) {
    return {
      header: 'authorization',
      value: `Bearer ${randomBytes(16).toString('hex')}`,
      label: 'A',
    };
  }
  const schemed = /^(\S+)\s+(\S+)$/.exec(credential.value);
  if (schemed && /^basic$/i.test(schemed[1]!)) {
    const payload = Buffer.from(`probe:wrong-${nonce}`, 'utf8').toString('base64');
    return { ...credential, value: `${schemed[1]} ${payload}` };
  }
  const token = schemed ? schemed[2]! : credential.value;
  // Keep a recognisable prefix ("sk_live_", "default:development.") so the token reaches the same
  // verifier, and randomise the secret part.
  const cut = Math.max(token.lastIndexOf('_'), token.lastIndexOf('.'), token.lastIndexOf(':'));
  const prefix = cut >= 0 && cut < token.length - 8 ? token.slice(0, cut + 1) : '';
  const secret = token.slice(prefix.length);
  // A short secret's lookalike could be another valid one: use 32 random hex digits instead.
  let fake = prefix + (secret.length < 12 ? randomBytes(16).toString('hex') : lookalike(secret));
  if (fake === token) fake = `${prefix}${randomBytes(16).toString('hex')}`;
  return { ...credential, value: schemed ? `${schemed[1]} ${fake}` : fake };
}

/** Header names whose values never appear in a report. */
export const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'api-key',
]);
