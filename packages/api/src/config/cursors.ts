/** Pagination cursor signing and its rotation (docs/pagination.md "Signed cursors"). */
import { ConfigError, secret, text, type Env } from './entry.js';

export interface CursorConfig {
  /** Undefined until withCursorSecret() supplies one (generated in development). */
  secret?: string;
  previousSecret?: string;
  previousUntil?: Date;
}

export const CURSOR_SECRET = secret('CURSOR_SECRET', {
  requiredInProduction: true,
  defaultText: 'required in production; development generates `data/cursor-secret`',
  doc: 'Signs pagination cursors (HMAC-SHA256, e.g. `openssl rand -base64 32`); the same on every instance. Missing in production: the server exits 78. See [docs/pagination.md](docs/pagination.md#signed-cursors).',
});

export const CURSOR_SECRET_PREVIOUS = secret('CURSOR_SECRET_PREVIOUS', {
  doc: 'During a rotation, the former `CURSOR_SECRET`: cursors it signed are still accepted (never minted) until `CURSOR_SECRET_PREVIOUS_UNTIL`. Set both or neither.',
});

export const CURSOR_SECRET_PREVIOUS_UNTIL = text<Date>('CURSOR_SECRET_PREVIOUS_UNTIL', {
  type: 'ISO 8601 time',
  parse: (raw) => {
    const until = new Date(raw);
    if (Number.isNaN(until.getTime())) {
      throw new ConfigError(
        'CURSOR_SECRET_PREVIOUS_UNTIL',
        `must be an ISO 8601 time, got "${raw}"`,
      );
    }
    return until;
  },
  doc: 'End of the rotation window, e.g. 24 h after the rotation; after it, old cursors get `400 invalid_cursor`.',
});

export const cursorEntries = [CURSOR_SECRET, CURSOR_SECRET_PREVIOUS, CURSOR_SECRET_PREVIOUS_UNTIL];

export function loadCursors(env: Env): CursorConfig {
  const previousSecret = CURSOR_SECRET_PREVIOUS.read(env);
  const until = CURSOR_SECRET_PREVIOUS_UNTIL.raw(env);
  if ((previousSecret === undefined) !== (until === undefined)) {
    const [missing, present] =
      previousSecret === undefined
        ? [CURSOR_SECRET_PREVIOUS, CURSOR_SECRET_PREVIOUS_UNTIL]
        : [CURSOR_SECRET_PREVIOUS_UNTIL, CURSOR_SECRET_PREVIOUS];
    throw new ConfigError(missing.name, `must be set together with ${present.name}`);
  }
  return {
    secret: CURSOR_SECRET.read(env),
    previousSecret,
    previousUntil: CURSOR_SECRET_PREVIOUS_UNTIL.read(env),
  };
}
