import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { evaluate, bucketShape, type Check, type Decision } from './gcra.js';
import type { RateLimitStore } from './store.js';

/**
 * The GCRA of gcra.ts run inside Redis, so N instances share one bucket per subject and a
 * decision is one atomic round trip (EVALSHA). Redis TIME is the clock: instances with skewed
 * clocks still agree. The script only decides and writes; it returns `now` and the TATs it read,
 * and evaluate() turns them into the same decisions the memory store would give. Both sides use
 * whole microseconds, so they cannot disagree on rounding.
 *
 * KEYS[i] is the bucket of check i; ARGV holds, per check, its interval and tolerance in µs and
 * "1" to consume or "0" to peek. A stored TAT expires (PX) when the bucket is full again, so idle
 * subjects cost nothing. replicate_commands() lets Redis < 5 accept writes after TIME.
 */
const SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local stored, tats, admitted = {}, {}, true
for i = 1, #KEYS do
  local value = redis.call('GET', KEYS[i])
  stored[i] = value and tonumber(value) or -1
  tats[i] = math.max(stored[i], now)
  local allow_at = tats[i] + tonumber(ARGV[3 * i - 2]) - tonumber(ARGV[3 * i - 1])
  if ARGV[3 * i] == '1' and allow_at > now then admitted = false end
end
if admitted then
  for i = 1, #KEYS do
    if ARGV[3 * i] == '1' then
      local tat = tats[i] + tonumber(ARGV[3 * i - 2])
      redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
    end
  end
end
local reply = { now }
for i = 1, #KEYS do reply[i + 1] = stored[i] end
return reply
`;
const SCRIPT_SHA = createHash('sha1').update(SCRIPT).digest('hex');

export interface RedisStoreOptions {
  client: Redis;
  /** Prepended to every key, so several deployments (or test runs) can share one Redis. */
  prefix: string;
  /** Whether close() also closes the client (true when the store created it). */
  ownsClient?: boolean;
  /** Longest ready() waits for the first connection before the app starts anyway. */
  readyTimeoutMs?: number;
}

export interface RedisConnection {
  url: string;
  /** Upper bound for one Redis command; a decision never waits longer on a sick Redis. */
  commandTimeoutMs: number;
}

/**
 * A client tuned to fail fast rather than queue: with the offline queue off, a command sent while
 * disconnected fails at once instead of waiting for a reconnect, `commandTimeout` bounds a command
 * on a connection that is open but silent, and no command is retried (a late rate-limit decision
 * is worthless, and a retried one could be counted twice). Reconnection continues in the
 * background with capped backoff.
 *
 * Auto-pipelining sends the commands that requests issue within one event-loop turn in one
 * write (and reads their replies in one read): every authenticated request makes two rate-limit
 * round trips, and their writes were the largest cost of a cached read on PostgreSQL + Redis
 * (bench/RESULTS.md, issue 19). Each command keeps its own timeout and its own reply or error.
 */
export function createRedisClient(connection: RedisConnection, onError: (error: Error) => void) {
  const client = new Redis(connection.url, {
    enableAutoPipelining: true,
    commandTimeout: connection.commandTimeoutMs,
    connectTimeout: Math.max(1_000, connection.commandTimeoutMs),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt) => Math.min(attempt * 100, 2_000),
    // Connect in ready(), once the app is built: a ready check in flight while route compilation
    // blocks the event loop would otherwise time out and log a spurious error.
    lazyConnect: true,
  });
  // Without a listener ioredis prints every failed reconnect to stderr.
  client.on('error', onError);
  return client;
}

/**
 * Starts connecting and waits for the first `ready`, up to `timeoutMs`: long enough to ride out
 * a failed first attempt (reconnection retries within it), short enough that an app whose Redis
 * is down still starts, and then applies RATE_LIMIT_ON_STORE_ERROR.
 */
function waitUntilReady(client: Redis, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  // Failures reach the client's 'error' listener, and reconnection continues on its own.
  if (client.status === 'wait') client.connect().catch(() => undefined);
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.once('ready', done);
  });
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

export function createRedisStore(options: RedisStoreOptions): RateLimitStore {
  const { client, prefix } = options;

  const run = async (keys: string[], args: string[]): Promise<number[]> => {
    try {
      return (await client.evalsha(SCRIPT_SHA, keys.length, ...keys, ...args)) as number[];
    } catch (error) {
      // The script cache is empty after a Redis restart or failover: load it once with EVAL.
      if (!isNoScript(error)) throw error;
      return (await client.eval(SCRIPT, keys.length, ...keys, ...args)) as number[];
    }
  };

  return {
    async decide(subject: string, checks: readonly Check[]): Promise<Decision[]> {
      // The {hash tag} puts all buckets of a subject in one Redis Cluster slot, as EVAL requires.
      const keys = checks.map((check) => `${prefix}{${subject}}:${check.policy.name}`);
      const args = checks.flatMap((check) => {
        const { intervalUs, toleranceUs } = bucketShape(check.policy);
        return [String(intervalUs), String(toleranceUs), check.mode === 'consume' ? '1' : '0'];
      });
      const [nowUs, ...stored] = await run(keys, args);
      if (nowUs === undefined || stored.length !== checks.length) {
        throw new Error('unexpected reply from the rate-limit script');
      }
      const tats = stored.map((tat) => (tat < 0 ? undefined : tat));
      return evaluate(checks, tats, nowUs).decisions;
    },
    ready: () => waitUntilReady(client, options.readyTimeoutMs ?? 2_000),
    async close() {
      if (!options.ownsClient) return;
      // QUIT lets pending replies arrive; on a dead connection it fails fast and we just drop it.
      await client.quit().catch(() => undefined);
      client.disconnect();
    },
  };
}
