/** One credential: the header it travels in and its value, e.g. `authorization: Bearer sk_…`. */
export interface Credential {
  /** Lower-case header name. */
  header: string;
  value: string;
  /** Which of the two credentials this is, for reports ("A" is --auth, "B" is --auth-b). */
  label: 'A' | 'B';
}

const HEADER_FORM = /^([A-Za-z0-9-]+):\s*(.+)$/;

/**
 * `--auth "Bearer abc"` is an Authorization value; `--auth "X-Api-Key: abc"` names its own header.
 * A value such as "Bearer a:b" is not mistaken for a header: a header name holds no space.
 */
export function parseCredential(raw: string, label: 'A' | 'B'): Credential {
  const trimmed = raw.trim();
  const headerForm = HEADER_FORM.exec(trimmed);
  if (headerForm && !/^(bearer|basic|token|digest|apikey)$/i.test(headerForm[1]!)) {
    return { header: headerForm[1]!.toLowerCase(), value: headerForm[2]!, label };
  }
  return { header: 'authorization', value: trimmed, label };
}

/** A value of the same form that no server can accept, to test refusal of bad credentials. */
export function invalidLike(credential: Credential | undefined, nonce: string): Credential {
  const bogus = `steadfast-check-invalid-${nonce}`;
  if (!credential) return { header: 'authorization', value: `Bearer ${bogus}`, label: 'A' };
  const scheme = /^(\S+)\s+\S/.exec(credential.value)?.[1];
  return { ...credential, value: scheme ? `${scheme} ${bogus}` : bogus };
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
