import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from './datasets.js';

/** Where datasets, captured bodies, server logs and raw profiles go (never the repository). */
export const BENCH_DIR = join(tmpdir(), 'steadfast-bench');
export const PG_SERVER = process.env.BENCH_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.BENCH_REDIS ?? 'redis://127.0.0.1:6379';
export const PORT = 3900;
export const METRICS_PORT = 9900;
/** Signs pagination cursors; required in production. The Express peer signs with it too. */
export const CURSOR_SECRET = 'cursor-secret-of-the-benchmark-runs-only';

/**
 * The server's environment: production configuration, with rate limits high enough that they
 * decide on every request but never refuse. `runTag` keeps one run's Redis keys apart.
 */
export function appEnv(
  dataset: Dataset,
  runTag: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  const postgres = dataset.databaseUrl.startsWith('postgres');
  return {
    NODE_ENV: 'production',
    CURSOR_SECRET,
    HOST: '127.0.0.1',
    PORT: String(PORT),
    PUBLIC_BASE_URL: `http://127.0.0.1:${PORT}`,
    DATABASE_URL: dataset.databaseUrl,
    LOG_LEVEL: 'info',
    METRICS_PORT: String(METRICS_PORT),
    SHUTDOWN_DELAY_MS: '0',
    SEED_DEMO_TENANT: 'false',
    RATE_LIMIT_API_KEY_QUOTA: '1000000',
    RATE_LIMIT_API_KEY_WINDOW_SECONDS: '1',
    RATE_LIMIT_WRITE_QUOTA: '1000000',
    RATE_LIMIT_WRITE_WINDOW_SECONDS: '1',
    // The scale-out shape on PostgreSQL: rate limits and cache invalidation through Redis.
    ...(postgres
      ? {
          REDIS_URL,
          RATE_LIMIT_REDIS_PREFIX: `steadfast:${runTag}:`,
          CACHE_INVALIDATION_CHANNEL: `steadfast:${runTag}`,
        }
      : {}),
    ...extra,
  };
}

/** `--server-env NAME=value` options (repeatable) as an environment; a pair without `=` is refused. */
export function serverEnvFrom(pairs: string[] = []): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at < 1) throw new Error(`--server-env ${pair}: expected NAME=value`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}
