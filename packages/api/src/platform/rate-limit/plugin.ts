import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimitConfig, RedisConfig } from '../../config/index.js';
import { ApiError } from '../errors/api-error.js';
import { addressPartition } from './client-address.js';
import type { Check, Decision, Policy } from './gcra.js';
import {
  LIMIT_HEADER,
  POLICY_HEADER,
  limitField,
  policyField,
  retryAfterSeconds,
} from './headers.js';
import { createMemoryStore } from './memory-store.js';
import { createRedisClient, createRedisStore } from './redis-store.js';
import type { RateLimitStore } from './store.js';

/*
 * Why hand-written rather than @fastify/rate-limit: that plugin counts fixed windows, emits the
 * old RateLimit-Limit/-Remaining/-Reset fields rather than the current draft's structured lists,
 * decides one key per request (we spend from a per-key and a per-key-writes bucket atomically),
 * and has no notion of gating on another counter (401s per address) before authentication runs.
 * What remains is small: a pure GCRA (gcra.ts), two stores and the hooks below.
 */

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on every route of the authenticated context: its requests count per credential. */
    rateLimitedByCredential?: boolean;
  }
}

export interface RateLimitOptions {
  settings: RateLimitConfig;
  /** Shared Redis for N instances; without it buckets live in this process. */
  redis?: RedisConfig;
  /** A store supplied by the caller (tests); the app then does not close it. */
  store?: RateLimitStore;
  /** Route patterns never limited and given no fields: health probes, polled by orchestrators. */
  exemptRoutes: readonly string[];
  log: FastifyBaseLogger;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** An outage would otherwise log one line per request; one per interval says the same. */
const STORE_WARNING_INTERVAL_MS = 5_000;
/** Share of rate-limit decisions logged; refusals are always logged (rate_limit.exceeded). */
const DECISION_LOG_SAMPLE_RATE = 0.01;

function policiesFrom(settings: RateLimitConfig) {
  const policy = (name: string, limits: { quota: number; windowSeconds: number }): Policy => ({
    name,
    ...limits,
  });
  return {
    apiKey: policy('api_key', settings.apiKey),
    writes: policy('api_key_writes', settings.writes),
    ip: policy('ip', settings.ip),
    authFailures: policy('auth_failures', settings.authFailures),
  };
}

/** Logs the first warning of a burst and then one per interval, with the count it held back. */
function throttledWarning(intervalMs: number) {
  let lastAt = -Infinity;
  let suppressed = 0;
  return (log: FastifyBaseLogger, fields: Record<string, unknown>, message: string) => {
    const now = Date.now();
    if (now - lastAt < intervalMs) {
      suppressed += 1;
      return;
    }
    log.warn({ ...fields, suppressed }, message);
    lastAt = now;
    suppressed = 0;
  };
}

function openStore(options: RateLimitOptions): { store: RateLimitStore; owned: boolean } {
  if (options.store) return { store: options.store, owned: false };
  if (!options.redis) return { store: createMemoryStore(), owned: true };
  const warn = throttledWarning(STORE_WARNING_INTERVAL_MS);
  const client = createRedisClient(options.redis, (error) =>
    warn(options.log, { event: 'redis.error', err: error }, 'redis connection error'),
  );
  const store = createRedisStore({
    client,
    prefix: options.settings.redisPrefix,
    ownsClient: true,
  });
  return { store, owned: true };
}

/** A value now (a store deciding in memory) or later (a store across the network). */
type MaybePromise<T> = T | PromiseLike<T>;

/** Any thenable, not only a native promise: a store may be written with another library. */
const isPending = <T>(value: MaybePromise<T>): value is PromiseLike<T> =>
  typeof (value as { then?: unknown } | undefined)?.then === 'function';

/** `next` applied to `value`: at once when it is there, else when the promise resolves. */
function andThen<T, R>(value: MaybePromise<T>, next: (value: T) => R): MaybePromise<R> {
  return isPending(value) ? Promise.resolve(value).then(next) : next(value);
}

/**
 * Ends a hook: `done()` at once on a value; on a pending answer it returns the promise instead,
 * which Fastify's hook runner then awaits exactly as it awaits an async hook (a rejection, or a
 * throw in the hooks after this one, reaches the error path; `done` is never called). A
 * synchronous throw before this reaches Fastify's own try/catch around the hook. So a memory
 * store's decision costs no promise and no microtask per request (bench/RESULTS.md, issue 19).
 */
function settle(result: MaybePromise<unknown>, done: () => void): Promise<void> | undefined {
  if (isPending(result)) return Promise.resolve(result).then(() => undefined);
  done();
  return undefined;
}

const addressSubject = (request: FastifyRequest) => `ip:${addressPartition(request.ip)}`;

/** `policy`: a RateLimit-Policy value, formatted once at start (the policy lists are fixed). */
function setFields(reply: FastifyReply, policy: string, decisions?: Decision[]) {
  reply.header(POLICY_HEADER, policy);
  if (decisions) reply.header(LIMIT_HEADER, limitField(decisions));
}

function tooManyRequests(request: FastifyRequest, blocking: readonly Decision[]): ApiError {
  const seconds = retryAfterSeconds(blocking);
  const names = blocking.map((d) => d.policy.name);
  for (const name of names) request.server.metrics.rateLimitRejections.inc({ policy: name });
  request.log.info({ event: 'rate_limit.exceeded', policies: names }, 'rate limit exceeded');
  return new ApiError(
    'rate_limited',
    `Too many requests under the rate-limit policy ${names.map((n) => `"${n}"`).join(', ')}. Retry in ${seconds} s.`,
    { headers: { 'retry-after': String(seconds) } },
  );
}

/**
 * Rate limits in three places: `plugin` at the root (per client address, for public routes and
 * unmatched paths), `beforeAuthentication` and `afterAuthentication` around the authentication
 * hook of the authenticated context (the 401 gate per address, then the per-credential limits).
 */
export function createRateLimits(options: RateLimitOptions) {
  const policies = policiesFrom(options.settings);
  const credentialPolicy = policyField([policies.apiKey, policies.writes]);
  const ipPolicy = policyField([policies.ip]);
  const authFailurePolicy = policyField([policies.authFailures]);
  const exempt = new Set(options.exemptRoutes);
  const { store, owned } = openStore(options);
  const warnStoreError = throttledWarning(STORE_WARNING_INTERVAL_MS);
  /** Requests whose store call failed: no second attempt (and no second wait) in onSend. */
  const degraded = new WeakSet<FastifyRequest>();

  const storeFailed = (request: FastifyRequest, error: unknown): undefined => {
    degraded.add(request);
    warnStoreError(
      request.log,
      {
        event: 'rate_limit.store_unavailable',
        err: error,
        policy: options.settings.onStoreError,
      },
      'rate-limit store unavailable',
    );
    return undefined;
  };

  /**
   * The store's decisions, or undefined when it failed (logged, and not asked again for this
   * request). Synchronous with a store that has `decideNow` (memory), a promise otherwise; never
   * throws or rejects.
   */
  function tryDecide(
    request: FastifyRequest,
    subject: string,
    checks: Check[],
  ): MaybePromise<Decision[] | undefined> {
    if (degraded.has(request)) return undefined;
    try {
      if (store.decideNow) return store.decideNow(subject, checks);
      return Promise.resolve(store.decide(subject, checks)).catch((error: unknown) =>
        storeFailed(request, error),
      );
    } catch (error) {
      return storeFailed(request, error);
    }
  }

  /** tryDecide under RATE_LIMIT_ON_STORE_ERROR: `closed` turns a store failure into a 503. */
  function decide(
    request: FastifyRequest,
    subject: string,
    checks: Check[],
  ): MaybePromise<Decision[] | undefined> {
    return andThen(tryDecide(request, subject, checks), (decisions) => {
      if (decisions !== undefined && Math.random() < DECISION_LOG_SAMPLE_RATE) {
        // A sample of ordinary decisions shows how close clients run to their limits.
        request.log.info(
          {
            event: 'rate_limit.decision',
            sample_rate: DECISION_LOG_SAMPLE_RATE,
            decisions: decisions.map((d) => ({
              policy: d.policy.name,
              allowed: d.allowed,
              remaining: d.remaining,
            })),
          },
          'rate-limit decision (sampled)',
        );
      }
      if (decisions === undefined && options.settings.onStoreError === 'closed') {
        throw new ApiError(
          'service_unavailable',
          'The service cannot check rate limits right now. Retry shortly.',
          { headers: { 'retry-after': '1' } },
        );
      }
      return decisions;
    });
  }

  const handledHere = (request: FastifyRequest) =>
    !exempt.has(request.routeOptions.url ?? '') &&
    request.routeOptions.config?.rateLimitedByCredential !== true;

  async function rootPlugin(app: FastifyInstance) {
    app.addHook('onReady', () => store.ready());
    if (owned) app.addHook('onClose', () => store.close());
    app.addHook('onRequest', (request, reply, done) => {
      if (!handledHere(request)) return done();
      const checks: Check[] = [{ policy: policies.ip, mode: 'consume' }];
      const decided = andThen(decide(request, addressSubject(request), checks), (decisions) => {
        setFields(reply, ipPolicy, decisions);
        if (decisions?.[0]?.allowed === false) throw tooManyRequests(request, decisions);
      });
      return settle(decided, done);
    });
    // A response sent before the hook above ran (an earlier hook answered or failed) still tells
    // the client where it stands, without spending from its budget. Not a shed or failed request
    // (5xx): under overload a store round trip for a request we refused anyway only adds load.
    app.addHook('onSend', (request, reply, _payload, done) => {
      if (!handledHere(request) || reply.hasHeader(LIMIT_HEADER)) return done();
      const decisions =
        reply.statusCode >= 500
          ? undefined
          : tryDecide(request, addressSubject(request), [{ policy: policies.ip, mode: 'peek' }]);
      return settle(
        andThen(decisions, (peeked) => setFields(reply, ipPolicy, peeked)),
        done,
      );
    });
  }

  /** Registered in the authenticated context before the authentication hook. */
  function beforeAuthentication(context: FastifyInstance): void {
    context.addHook('onRoute', (route) => {
      route.config = { ...route.config, rateLimitedByCredential: true };
    });
    // A client that spent its 401 budget is refused before its credential is even looked at:
    // guessing keys then costs it a 429 per try and us no database lookup.
    context.addHook('onRequest', (request, reply, done) => {
      const checks: Check[] = [{ policy: policies.authFailures, mode: 'peek' }];
      const decided = andThen(decide(request, addressSubject(request), checks), (decisions) => {
        if (decisions?.[0]?.allowed !== false) return;
        setFields(reply, authFailurePolicy, decisions);
        throw tooManyRequests(request, decisions);
      });
      return settle(decided, done);
    });
    context.addHook('onSend', (request, reply, _payload, done) => {
      if (reply.statusCode === 401 && !request.authFailureUncounted) {
        // Counted while the response is still held, so a client that waits for its 401 before
        // trying again cannot outrun the count. onSend cannot fail the request: this never throws.
        const decisions = tryDecide(request, addressSubject(request), [
          { policy: policies.authFailures, mode: 'consume' },
        ]);
        return settle(
          andThen(decisions, (counted) => setFields(reply, authFailurePolicy, counted)),
          done,
        );
      } else if (!reply.hasHeader(LIMIT_HEADER) && request.auth) {
        // Refused after authentication but before the per-credential hook (403 insufficient scope).
        const decisions = tryDecide(request, `key:${request.auth.keyId}`, [
          { policy: policies.apiKey, mode: 'peek' },
          { policy: policies.writes, mode: 'peek' },
        ]);
        return settle(
          andThen(decisions, (peeked) => setFields(reply, credentialPolicy, peeked)),
          done,
        );
      } else done();
    });
  }

  /** Registered in the authenticated context after the authentication hook. */
  function afterAuthentication(context: FastifyInstance): void {
    context.addHook('onRequest', (request, reply, done) => {
      if (!request.auth) return done();
      // Reads spend from api_key; writes from api_key and api_key_writes, all or nothing.
      const isWrite = WRITE_METHODS.has(request.method);
      const checks: Check[] = [
        { policy: policies.apiKey, mode: 'consume' },
        { policy: policies.writes, mode: isWrite ? 'consume' : 'peek' },
      ];
      const decided = andThen(decide(request, `key:${request.auth.keyId}`, checks), (decisions) => {
        setFields(reply, credentialPolicy, decisions);
        if (!decisions?.some((d) => d.mode === 'consume' && !d.allowed)) return;
        // Only the buckets that are actually empty refused it; the others were merely not spent.
        const empty = decisions.filter((d) => d.mode === 'consume' && d.nextUnitAfterUs > 0);
        throw tooManyRequests(request, empty);
      });
      return settle(decided, done);
    });
  }

  return {
    plugin: fp(rootPlugin, { name: 'steadfast-rate-limit' }),
    beforeAuthentication,
    afterAuthentication,
  };
}
