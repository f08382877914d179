import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

export interface JwksKeySetOptions {
  /** JWKS endpoint of the identity provider. */
  url: string;
  /**
   * Minimum time between two fetches, whatever the last one's outcome; also the floor below which
   * an unknown `kid` does not trigger a refetch (a token naming a key published seconds ago is rare;
   * one naming random keys is an attack on the provider through us, issue 20 §3 and §5).
   */
  cooldownMs: number;
  /** Longest wait between two attempts while the provider keeps failing (exponential backoff). */
  maxBackoffMs: number;
  /** Age after which a request revalidates the key set in the background. */
  refreshAfterMs: number;
  /** Age after which a key set the provider could not replace is no longer used (stale-if-error). */
  maxStaleMs: number;
  /** Timeout of one fetch. */
  timeoutMs: number;
  /** Observes each fetch (metrics, logs). */
  onFetch?: (outcome: 'success' | 'failure', error?: unknown) => void;
}

/** The provider could not be reached and no usable key set is held: answer 503, not 401. */
export class JwksUnavailableError extends Error {}

/** A JWKS larger than this is not a key set: refuse it rather than parse it. */
const MAX_JWKS_BYTES = 512 * 1024;

interface HeldKeys {
  getKey: JWTVerifyGetKey;
  fetchedAt: number;
}

/** What /readyz and the metrics say about the key set. */
export interface JwksStatus {
  /** Seconds since the key set in use was fetched; undefined before the first fetch. */
  ageSeconds: number | undefined;
  /** Failed attempts since the last success. */
  consecutiveFailures: number;
  /** True while the provider fails and the last good key set is served (stale-if-error). */
  stale: boolean;
}

/**
 * GET the key set with node:http(s) rather than fetch: WHATWG fetch refuses the "bad ports" of
 * its spec (6000, 10080 …), which a private identity provider may well listen on.
 */
function fetchKeySet(url: URL, timeoutMs: number): Promise<JSONWebKeySet> {
  const get = url.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const request = get(url, { headers: { accept: 'application/json' }, timeout: timeoutMs });
    request.on('timeout', () => request.destroy(new Error(`JWKS timed out after ${timeoutMs} ms`)));
    request.on('error', reject);
    request.on('response', (response) => {
      if (response.statusCode !== 200) {
        response.resume();
        reject(new Error(`JWKS answered HTTP ${response.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_JWKS_BYTES)
          request.destroy(new Error(`JWKS is over ${MAX_JWKS_BYTES} bytes`));
        else chunks.push(chunk);
      });
      response.on('error', reject);
      response.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JSONWebKeySet;
          if (!body || !Array.isArray(body.keys)) throw new Error('JWKS has no "keys" array');
          resolve(body);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  });
}

/**
 * The provider's signing keys, fetched on demand, single-flight, never more often than once per
 * cooldown and with exponential backoff while the provider fails; the last good set keeps being
 * used for up to `maxStaleMs` while the provider is down. Replaces jose's createRemoteJWKSet,
 * whose cooldown applies only after a successful fetch and which drops its keys after
 * `cacheMaxAge` even when no new set can be had (issue 20 §3, §4).
 */
export function createJwksKeySet(options: JwksKeySetOptions) {
  const url = new URL(options.url);
  let held: HeldKeys | undefined;
  let inflight: Promise<void> | undefined;
  let nextAttemptAt = 0;
  let failures = 0;

  const usable = (now: number) =>
    held && now - held.fetchedAt <= options.maxStaleMs ? held : undefined;

  function backoffMs(): number {
    const exponential = options.cooldownMs * 2 ** Math.min(failures - 1, 20);
    const capped = Math.min(Math.max(exponential, options.cooldownMs), options.maxBackoffMs);
    // Jitter spreads the retries of N instances that all saw the provider fail at once.
    return capped * (0.8 + Math.random() * 0.2);
  }

  async function attempt(): Promise<void> {
    try {
      const keySet = await fetchKeySet(url, options.timeoutMs);
      held = { getKey: createLocalJWKSet(keySet), fetchedAt: Date.now() };
      failures = 0;
      nextAttemptAt = Date.now() + options.cooldownMs;
      options.onFetch?.('success');
    } catch (error) {
      failures += 1;
      nextAttemptAt = Date.now() + backoffMs();
      options.onFetch?.('failure', error);
    }
  }

  /** Starts a fetch unless one is running or the cooldown/backoff forbids it; never rejects. */
  function refresh(): Promise<void> | undefined {
    if (inflight) return inflight;
    if (Date.now() < nextAttemptAt) return undefined;
    inflight = attempt().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  /** A usable key set, fetching (and waiting) when none is held; revalidates an old one in the background. */
  async function current(): Promise<HeldKeys> {
    const keys = usable(Date.now());
    if (keys && Date.now() - keys.fetchedAt < options.refreshAfterMs) return keys;
    const pending = refresh();
    if (keys) return keys;
    await pending;
    const fetched = usable(Date.now());
    if (!fetched) throw new JwksUnavailableError('no usable JWKS');
    return fetched;
  }

  /** jose's key resolver: an unknown `kid` triggers one immediate refetch, if the floor allows. */
  const getKey: JWTVerifyGetKey = async (header, token) => {
    const keys = await current();
    try {
      return await keys.getKey(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      await refresh();
      const after = usable(Date.now());
      // The provider is failing: the key may well exist there, so this is its outage (503), not
      // the token's fault (a 401 would make the client drop a good token).
      if (!after || (after === keys && failures > 0)) throw new JwksUnavailableError('no JWKS');
      return after.getKey(header, token);
    }
  };

  return {
    getKey,
    /** The state of the key set, for /readyz and the metrics. */
    status(): JwksStatus {
      return {
        ageSeconds: held ? Math.floor((Date.now() - held.fetchedAt) / 1000) : undefined,
        consecutiveFailures: failures,
        stale: held !== undefined && failures > 0,
      };
    },
  };
}

export type JwksKeySet = ReturnType<typeof createJwksKeySet>;
