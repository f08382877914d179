import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, type Config } from '../../config/index.js';
import { isPostgresUrl } from '../../db/url.js';

const SECRET_FILE = 'cursor-secret';

/** Where development keeps what it generates: beside the SQLite file, or ./data. */
export function dataDirectory(config: Pick<Config, 'databaseUrl'>): string {
  if (isPostgresUrl(config.databaseUrl)) return resolve('data');
  return dirname(resolve(config.databaseUrl.replace(/^sqlite:/, '')));
}

/**
 * The configuration with a cursor secret, for the server process: CURSOR_SECRET when set; in
 * production a missing one is a configuration error (main.ts exits 78), because instances must
 * share it and a secret made up at start would break every cursor at each restart; in
 * development one is generated once and kept in the data directory, so cursors survive restarts.
 */
export function withCursorSecret(config: Config): Config {
  if (config.cursors.secret !== undefined) return config;
  if (config.env === 'production') {
    throw new ConfigError(
      'CURSOR_SECRET',
      'is required in production (at least 32 characters, e.g. `openssl rand -base64 32`)',
    );
  }
  if (config.env !== 'development') return config;
  const file = join(dataDirectory(config), SECRET_FILE);
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    // `wx`: two processes starting at once never overwrite each other's secret.
    try {
      writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return { ...config, cursors: { ...config.cursors, secret: readFileSync(file, 'utf8').trim() } };
}

/** A secret for this process only: tests and embedders that configure none. */
let processSecret: string | undefined;
export function processCursorSecret(): string {
  return (processSecret ??= randomBytes(32).toString('base64url'));
}
