import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { nginxBinary } from '../../../../deploy/staging/nginx.js';
import { startTopology, type Topology } from '../../../../deploy/staging/topology.js';
import { isPostgresUrl, openDatabase, type Db } from '../../src/db/database.js';
import { uniqueEmail } from '../support/app.js';
import { createClient, describeOutcome, json, type Client, type Outcome } from './client.js';
import {
  postgresBinaries,
  startPrivatePostgres,
  type PrivatePostgres,
} from './private-postgres.js';
import { ORDER_ITEMS, startLoad, succeeded, type Actor, type Write } from './steady-load.js';
import { REPO_DIR, eventually, freePorts, newActor, newTenant, servedBy } from './support.js';

/*
 * The scale-out promises, checked against the real thing: nginx (TLS, passive health checks,
 * retries of idempotent requests only) in front of two API processes sharing PostgreSQL and Redis,
 * started by the same code as `npm run staging` (deploy/staging/topology.ts). PostgreSQL is a
 * private cluster of this suite, because one test stops it; Redis is the machine's, under a
 * namespace of this run.
 */

const POSTGRES_BIN = postgresBinaries();
const skipReason =
  nginxBinary() === undefined
    ? 'nginx is not installed (apt-get install nginx-light)'
    : !isPostgresUrl(process.env.DATABASE_URL ?? '')
      ? 'DATABASE_URL is not a postgres:// URL'
      : !process.env.REDIS_URL
        ? 'REDIS_URL is not set'
        : POSTGRES_BIN === undefined
          ? 'the PostgreSQL server binaries (initdb, pg_ctl) are not installed'
          : undefined;
if (skipReason) {
  process.stdout.write(
    `\n[steadfast] Load-balancer suites SKIPPED: ${skipReason}. \`bash .ci/run\` provides them.\n\n`,
  );
}

/** Reads are effectively unlimited; writes are limited low, so a burst can prove the limit. */
const WRITE_QUOTA = 30;
/** Well above any test's duration: only a pub/sub invalidation can explain a refused key. */
const KEY_CACHE_TTL_MS = 600_000;
/** How long a revocation may take to reach the other instance (pub/sub on loopback: ~1 ms). */
const REVOCATION_BOUND_MS = 1_000;
const ORDER_TOTAL = ORDER_ITEMS.reduce((sum, item) => sum + item.quantity * item.unit_amount, 0);

/** One line of figures in the test output, so CI logs show what a run actually exercised. */
const report = (line: string) => process.stdout.write(`[steadfast] ${line}\n`);

const isProblem = (o: Outcome, status: number, code: string) =>
  o.status === status &&
  /^application\/problem\+json/.test(String(o.headers?.['content-type'])) &&
  json(o).code === code;

describe.skipIf(skipReason !== undefined)('through the load balancer', { timeout: 120_000 }, () => {
  let postgres: PrivatePostgres;
  let topology: Topology;
  let db: Db;
  let client: Client;
  let direct: Client[];
  let stateDir: string;
  let failed = false;
  afterEach((context) => {
    if (context.task.result?.state === 'fail') failed = true;
  });

  beforeAll(async () => {
    postgres = await startPrivatePostgres(POSTGRES_BIN!);
    stateDir = mkdtempSync(join(tmpdir(), 'steadfast-lb-'));
    const [https, sandbox, ...instancePorts] = await freePorts(6);
    topology = await startTopology({
      repoDir: REPO_DIR,
      stateDir,
      instances: [
        { port: instancePorts[0]!, metricsPort: instancePorts[1]! },
        { port: instancePorts[2]!, metricsPort: instancePorts[3]! },
      ],
      httpsPort: https!,
      sandboxPort: sandbox!,
      databaseUrl: postgres.url,
      redisUrl: process.env.REDIS_URL!,
      redisNamespace: `steadfast:test:lb:${process.pid}:${Date.now()}`,
      runtime: 'tsx',
      baseEnv: { PATH: process.env.PATH, HOME: process.env.HOME },
      instanceEnv: {
        SHUTDOWN_DELAY_MS: '500',
        SHUTDOWN_TIMEOUT_MS: '10000',
        API_KEY_CACHE_TTL_MS: String(KEY_CACHE_TTL_MS),
        RATE_LIMIT_API_KEY_QUOTA: '1000000',
        RATE_LIMIT_API_KEY_WINDOW_SECONDS: '86400',
        RATE_LIMIT_WRITE_QUOTA: String(WRITE_QUOTA),
        RATE_LIMIT_WRITE_WINDOW_SECONDS: '86400',
        DB_STATEMENT_TIMEOUT_MS: '2000',
        // A request cut off by the PostgreSQL restart leaves its key locked this long at most.
        HANDLER_TIMEOUT_MS: '4000',
        IDEMPOTENCY_LOCK_TIMEOUT_MS: '5000',
        // Parallel suites on two cores stall event loops; shedding is tested elsewhere.
        LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '30000',
      },
      detached: false,
      maxFails: 1,
      failTimeoutSeconds: 2,
    });
    db = openDatabase({
      url: postgres.url,
      poolMax: 2,
      statementTimeoutMs: 5_000,
      // This suite restarts PostgreSQL; its own idle connections die too.
      onConnectionLost: () => undefined,
    });
    client = createClient(topology.baseUrl, { ca: topology.caCert, maxSockets: 64 });
    direct = topology.instanceUrls.map((url) => createClient(url));
  }, 180_000);

  afterAll(async () => {
    client?.close();
    for (const c of direct ?? []) c.close();
    await topology?.stop();
    await db?.close();
    await postgres?.remove();
    // Logs of every process stay for a failed run.
    if (failed) process.stdout.write(`\n[steadfast] load-balancer logs kept in ${stateDir}\n`);
    else if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  }, 60_000);

  const accessLog = () => topology.logFile('nginx-access');
  const idsOf = (outcomes: Outcome[]) => outcomes.map((o) => o.requestId);

  /** Orders stored for these accounts, with their item count, for exactly-once checks. */
  async function storedOrders(accountIds: string[]) {
    const orders = await db.kysely
      .selectFrom('orders')
      .leftJoin('order_items', 'order_items.order_id', 'orders.id')
      .select(['orders.id', 'orders.total_amount'])
      .select((eb) => eb.fn.count<number>('order_items.id').as('items'))
      .select((eb) => eb.fn.sum<number>('order_items.amount').as('items_total'))
      .where('orders.account_id', 'in', accountIds)
      .groupBy(['orders.id', 'orders.total_amount'])
      .execute();
    return orders.map((o) => ({
      ...o,
      items: Number(o.items),
      items_total: Number(o.items_total),
    }));
  }

  /** Each write is in the database exactly once, complete: all its items, the right total. */
  async function expectExactlyOnce(writers: (Actor & { accountId: string })[], writes: Write[]) {
    const orders = await storedOrders(writers.map((w) => w.accountId));
    const created = writes.filter((w) => w.outcome.status === 201).map((w) => json(w.outcome).id);
    expect(new Set(created).size).toBe(created.length);
    expect(orders.map((o) => o.id).sort()).toEqual([...created].sort());
    for (const order of orders) {
      expect(order).toMatchObject({
        items: ORDER_ITEMS.length,
        items_total: ORDER_TOTAL,
        total_amount: ORDER_TOTAL,
      });
    }
  }

  it('the same Idempotency-Key sent concurrently to both instances has one effect', async () => {
    const actor = await newActor(db, client, 'idempotency');
    const body = { user_id: actor.userId, currency: 'EUR', items: ORDER_ITEMS };
    const headers = { 'idempotency-key': randomUUID() };
    const send = () => client.send('POST', '/v1/orders', { key: actor.key, body, headers });

    const outcomes = await Promise.all(Array.from({ length: 8 }, send));
    expect(servedBy(accessLog(), idsOf(outcomes)).size).toBe(2);
    for (const o of outcomes) {
      // The winner, a replay of it, or "still running, retry": never a second order.
      const inProgress = isProblem(o, 409, 'idempotency_request_in_progress');
      expect(o.status === 201 || inProgress, describeOutcome(o)).toBe(true);
      if (inProgress) expect(o.headers?.['retry-after']).toBe('1');
    }
    const created = outcomes.filter((o) => o.status === 201);
    const originals = created.filter((o) => o.headers?.['idempotent-replayed'] !== 'true');
    expect(originals).toHaveLength(1);
    const orderId = json(originals[0]!).id;
    for (const o of created) expect(json(o).id).toBe(orderId);

    const again = await send();
    expect(again.status).toBe(201);
    expect(again.headers?.['idempotent-replayed']).toBe('true');
    expect(json(again).id).toBe(orderId);
    expect((await storedOrders([actor.accountId])).map((o) => o.id)).toEqual([orderId]);
  });

  it('one API key bursting across both instances meets one global limit', async () => {
    const tenant = await newTenant(db, 'burst');
    const outcomes = await Promise.all(
      Array.from({ length: WRITE_QUOTA * 2 }, () =>
        client.send('POST', '/v1/users', { key: tenant.key, body: { email: uniqueEmail('b') } }),
      ),
    );
    const accepted = outcomes.filter((o) => o.status === 201);
    const limited = outcomes.filter((o) => isProblem(o, 429, 'rate_limited'));
    expect(accepted.length + limited.length, outcomes.map(describeOutcome).join('\n')).toBe(
      outcomes.length,
    );
    // Two instances each enforcing the quota alone would have accepted up to twice as many.
    expect(accepted).toHaveLength(WRITE_QUOTA);
    expect(servedBy(accessLog(), idsOf(accepted)).size).toBe(2);
    expect(servedBy(accessLog(), idsOf(limited)).size).toBe(2);
    for (const o of limited) {
      expect(Number(o.headers?.['retry-after'])).toBeGreaterThan(0);
      expect(o.headers?.ratelimit).toContain('"api_key_writes";r=0');
    }
    const users = await db.kysely
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', tenant.accountId)
      .executeTakeFirstOrThrow();
    expect(Number(users.n)).toBe(WRITE_QUOTA);
  });

  it('a key revoked through instance 1 is refused by instance 2 within the bound', async () => {
    const owner = await newTenant(db, 'revocation');
    const minted = await client.send('POST', '/v1/api_keys', {
      key: owner.key,
      body: { name: 'to revoke' },
    });
    expect(minted.status, describeOutcome(minted)).toBe(201);
    const { id, secret } = json<{ id: string; secret: string }>(minted);
    // Cached on both instances now, for KEY_CACHE_TTL_MS.
    for (const instance of direct) {
      expect((await instance.send('GET', '/v1/users', { key: secret })).status).toBe(200);
    }

    const revoked = await direct[0]!.send('POST', `/v1/api_keys/${id}/revoke`, { key: owner.key });
    expect(revoked.status, describeOutcome(revoked)).toBe(200);
    const refused = await eventually(
      'instance 2 refuses the revoked key',
      async () => {
        const o = await direct[1]!.send('GET', '/v1/users', { key: secret });
        return o.status === 200 ? undefined : o;
      },
      REVOCATION_BOUND_MS,
    );
    expect(isProblem(refused, 401, 'unauthenticated'), describeOutcome(refused)).toBe(true);
    const throughNginx = await Promise.all(
      Array.from({ length: 4 }, () => client.send('GET', '/v1/users', { key: secret })),
    );
    for (const o of throughNginx) expect(o.status, describeOutcome(o)).toBe(401);
    expect((await client.send('GET', '/v1/users', { key: owner.key })).status).toBe(200);
  });

  it('rolling restart under steady load: zero failed client requests', async () => {
    const reader = await newActor(db, client, 'reader');
    const writers = await Promise.all(
      Array.from({ length: 12 }, () => newActor(db, client, 'writer')),
    );
    const load = startLoad({
      client,
      workers: 3,
      reader,
      writers,
      writeEvery: 5,
      pauseMs: 60,
      maxRequests: 1_500,
    });
    try {
      await load.progress(30);
      for (const index of [0, 1]) {
        await topology.stopInstance(index);
        // Served by the other instance alone while this one is gone.
        await load.progress(15);
        await topology.startInstance(index);
        // nginx's health checks are passive: it tried the instance while it was down and takes it
        // back only after fail_timeout. Stopping the next one before then would leave nginx with
        // no live instance, so a rolling restart waits until the restarted one serves again.
        const since = load.outcomes.length;
        const address = new URL(topology.instanceUrls[index]!).host;
        await eventually(
          `nginx routes to api-${index + 1} again`,
          async () =>
            servedBy(accessLog(), idsOf(load.outcomes.slice(since))).has(address) || undefined,
          15_000,
        );
      }
    } finally {
      await load.stop();
    }
    const failures = load.outcomes.filter((o) => !succeeded(o));
    report(`rolling restart: ${load.outcomes.length} requests, ${failures.length} failed`);
    expect(failures.map(describeOutcome)).toEqual([]);
    // Both instances are back in rotation.
    expect(servedBy(accessLog(), idsOf(load.outcomes.slice(-20))).size).toBe(2);
    await expectExactlyOnce(writers, load.writes);
  });

  it('PostgreSQL restarted mid-load: fast 503s, readiness reports it, recovery, no partial writes', async () => {
    const reader = await newActor(db, client, 'pg-reader');
    const writers = await Promise.all(
      Array.from({ length: 8 }, () => newActor(db, client, 'pg-writer')),
    );
    const load = startLoad({
      client,
      workers: 3,
      reader,
      writers,
      writeEvery: 4,
      pauseMs: 60,
      maxRequests: 1_000,
    });
    let restartedAt = 0;
    try {
      await load.progress(30);
      await postgres.stop();
      const readiness = await eventually(
        'readiness reports the database',
        async () => {
          const o = await direct[0]!.send('GET', '/readyz');
          return o.status === 503 ? o : undefined;
        },
        10_000,
      );
      expect(json(readiness)).toMatchObject({
        status: 503,
        code: 'service_unavailable',
        checks: { database: 'unavailable' },
      });
      expect(readiness.headers?.['retry-after']).toBeDefined();
      await load.progress(20);

      await postgres.start();
      restartedAt = Date.now();
      // Recovers by itself: no restart of the instances, no operator.
      await eventually(
        'reads and writes succeed again',
        async () => {
          const after = load.outcomes.filter((o) => o.at > restartedAt && succeeded(o));
          return after.some((o) => o.method === 'POST') && after.some((o) => o.method === 'GET')
            ? true
            : undefined;
        },
        30_000,
      );
    } finally {
      await load.stop();
    }
    for (const instance of direct) expect((await instance.send('GET', '/readyz')).status).toBe(200);

    const failures = load.outcomes.filter((o) => !succeeded(o));
    const retried = load.writes.filter((w) => w.outcome.status !== 201).length;
    const slowest = Math.max(0, ...failures.map((o) => o.durationMs ?? Infinity));
    report(
      `PostgreSQL restart: ${load.outcomes.length} requests, ${failures.length} answered 503 ` +
        `(slowest ${slowest} ms), ${retried} of ${load.writes.length} writes retried with their key`,
    );
    expect(failures.length).toBeGreaterThan(0);
    for (const o of failures) {
      // Fast and well-formed: no timeout, no 500, no HTML from the proxy.
      expect(isProblem(o, 503, 'service_unavailable'), describeOutcome(o)).toBe(true);
      expect(Number(o.headers?.['retry-after']), describeOutcome(o)).toBeGreaterThan(0);
    }

    // A write that failed is retried with its key, as a client would: it happens exactly once.
    for (const write of load.writes.filter((w) => w.outcome.status !== 201)) {
      write.outcome = await eventually(
        `retry of ${write.idempotencyKey}`,
        async () => {
          const o = await client.send('POST', '/v1/orders', {
            key: write.writer.key,
            body: write.body,
            headers: { 'idempotency-key': write.idempotencyKey },
          });
          if (o.status === 201) return o;
          // A request cut off mid-transaction holds its key until IDEMPOTENCY_LOCK_TIMEOUT_MS.
          const retryable =
            isProblem(o, 409, 'idempotency_request_in_progress') ||
            isProblem(o, 503, 'service_unavailable');
          expect(retryable, describeOutcome(o)).toBe(true);
          await sleep(500);
          return undefined;
        },
        15_000,
      );
    }
    await expectExactlyOnce(writers, load.writes);
  });
});
