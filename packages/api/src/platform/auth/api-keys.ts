import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

export type KeyMode = 'live' | 'test';

/** `sk_<mode>_` + 12 hex lookup characters + 48 hex secret characters (192 bits). */
const KEY_FORMAT = /^sk_(live|test)_([0-9a-f]{12})([0-9a-f]{48})$/;

export interface ParsedKey {
  mode: KeyMode;
  lookup: string;
}

/** A freshly minted key: `secret` is shown to the caller once and never stored. */
export interface MintedKey extends ParsedKey {
  secret: string;
  secretHash: string;
}

export function hashKey(secret: string): string {
  return hash('sha256', secret, 'hex');
}

export function mintKey(mode: KeyMode): MintedKey {
  const lookup = randomBytes(6).toString('hex');
  const secret = `sk_${mode}_${lookup}${randomBytes(24).toString('hex')}`;
  return { mode, lookup, secret, secretHash: hashKey(secret) };
}

/** Splits a presented key into its parts, or null when it cannot be one of ours. */
export function parseKey(presented: string): ParsedKey | null {
  const match = KEY_FORMAT.exec(presented);
  return match ? { mode: match[1] as KeyMode, lookup: match[2]! } : null;
}

/** Constant-time comparison of a presented key with the stored hash. */
export function keyMatches(presented: string, storedHash: string): boolean {
  const a = Buffer.from(hashKey(presented), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
