import { createHmac, timingSafeEqual } from 'node:crypto';

/** The secrets cursors are signed with; see docs/pagination.md ("Signed cursors"). */
export interface CursorSecrets {
  /** CURSOR_SECRET: signs every new cursor. */
  current: string;
  /** CURSOR_SECRET_PREVIOUS: still accepted (never used to sign) until `previousUntil`. */
  previous?: string;
  /** CURSOR_SECRET_PREVIOUS_UNTIL: end of the rotation window. */
  previousUntil?: Date;
}

const VERSION = 'c2:';
/** 128-bit truncated HMAC-SHA256: forging one is a 2^128 guess, and the cursor stays short. */
const TAG_BYTES = 16;

/**
 * Signed, opaque cursors: `base64url("c2:" + last id + HMAC(secret, scope + last id))`, where the
 * scope is the tenant and the list the cursor was minted for. A cursor the API did not produce,
 * altered in any byte (an appended character, padding), or minted for another list or tenant
 * fails the HMAC and is refused; clients cannot build one (issue 14, defect 4).
 */
export function createCursorCodec(secrets: CursorSecrets, now: () => Date = () => new Date()) {
  const tag = (secret: string, scope: string, id: string) =>
    createHmac('sha256', secret).update(`${scope}\n${id}`).digest().subarray(0, TAG_BYTES);
  const accepted = () =>
    secrets.previous !== undefined &&
    secrets.previousUntil !== undefined &&
    now() < secrets.previousUntil
      ? [secrets.current, secrets.previous]
      : [secrets.current];

  return {
    /** The cursor for "the rows after `lastId`" of the list `scope`. */
    encode(scope: string, lastId: string): string {
      return Buffer.concat([
        Buffer.from(VERSION + lastId),
        tag(secrets.current, scope, lastId),
      ]).toString('base64url');
    },

    /** The id a cursor points after, or undefined when it is not one this API minted for `scope`. */
    decode(scope: string, cursor: string, idPattern: RegExp): string | undefined {
      const bytes = Buffer.from(cursor, 'base64url');
      // Node's base64url decoder skips what it cannot read; only the canonical text is ours.
      if (bytes.length <= TAG_BYTES || bytes.toString('base64url') !== cursor) return undefined;
      const text = bytes.subarray(0, -TAG_BYTES).toString('utf8');
      const id = text.slice(VERSION.length);
      if (!text.startsWith(VERSION) || !idPattern.test(id)) return undefined;
      const presented = bytes.subarray(-TAG_BYTES);
      return accepted().some((secret) => timingSafeEqual(presented, tag(secret, scope, id)))
        ? id
        : undefined;
    },
  };
}

export type CursorCodec = ReturnType<typeof createCursorCodec>;
