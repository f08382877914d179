/** The database: where it is, how many connections, how long a statement may run. */
import { isPostgresUrl } from '../db/url.js';
import { boolean, ConfigError, integer, text, type Env } from './entry.js';

export const DATABASE_URL = text('DATABASE_URL', {
  type: '`postgres://…` or SQLite path',
  default: 'sqlite:./data/steadfast.db',
  parse: (raw) => {
    if (isPostgresUrl(raw)) {
      try {
        new URL(raw);
      } catch {
        throw new ConfigError('DATABASE_URL', 'is not a valid postgres:// URL');
      }
      return raw;
    }
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
      throw new ConfigError('DATABASE_URL', 'must be postgres://… or a SQLite file path');
    }
    return raw;
  },
  doc: '`postgres://…` (or `postgresql://…`) for PostgreSQL; anything else is a SQLite file path, with an optional `sqlite:` prefix (other URL schemes are rejected). Relative paths resolve from the working directory, `packages/api` under the npm scripts. A password in it is masked in the start-up log.',
});

export const DB_POOL_MAX = integer('DB_POOL_MAX', {
  default: 10,
  min: 1,
  max: 500,
  doc: 'PostgreSQL connections per instance.',
});

export const DB_STATEMENT_TIMEOUT_MS = integer('DB_STATEMENT_TIMEOUT_MS', {
  default: 5_000,
  min: 100,
  max: 600_000,
  doc: 'PostgreSQL statement timeout and SQLite busy timeout, in ms. See [Timeouts](#timeouts).',
});

export const MIGRATE_ON_START = boolean('MIGRATE_ON_START', {
  default: true,
  doc: 'Apply pending migrations when the process starts.',
});

export const databaseEntries = [
  DATABASE_URL,
  DB_POOL_MAX,
  DB_STATEMENT_TIMEOUT_MS,
  MIGRATE_ON_START,
];

export function loadDatabase(env: Env) {
  return {
    databaseUrl: DATABASE_URL.read(env),
    dbPoolMax: DB_POOL_MAX.read(env),
    dbStatementTimeoutMs: DB_STATEMENT_TIMEOUT_MS.read(env),
    migrateOnStart: MIGRATE_ON_START.read(env),
  };
}
