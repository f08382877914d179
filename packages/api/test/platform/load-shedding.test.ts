import { setImmediate as nextTurn } from 'node:timers/promises';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

/**
 * Awaits a condition turn by turn of the event loop (no fixed sleeps), failing after `ms`. The
 * bound is generous: on two cores running the whole suite, a calm 100 ms sample can take seconds
 * to come (it failed at 5 s), and waiting longer asserts nothing about speed.
 */
async function until(condition: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await nextTurn();
  }
}

/** Saturates the event loop the way a CPU-bound request would: nothing else runs meanwhile. */
function blockEventLoop(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy-wait on purpose
  }
}

function expectShed(response: LightMyRequestResponse) {
  expectProblem(response, 503, 'service_unavailable');
  expect(response.headers['retry-after']).toBe('2');
}

describe('load shedding on event-loop delay', () => {
  let t: TestApp;
  let tenant: Tenant;

  // Sampled every 100 ms, shed above a 100 ms mean delay. A 1.5 s block makes the mean of the
  // sample that contains it at least (1500 + 100) / 11 − 10 ≈ 135 ms whatever the phase of the
  // sampler, so detection is certain; normal operation stays far below 100 ms.
  beforeAll(async () => {
    t = await startApp('sqlite', {
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '100',
      LOAD_SHED_SAMPLE_INTERVAL_MS: '100',
    });
    tenant = await createTestTenant(t);
    // Starting the app is CPU-heavy (the loop may not turn for seconds, so neither the sampler nor
    // the delay histogram has run, and readings count only 200 ms after ready): wait for a calm
    // reading taken at least three intervals after start-up finished.
    const started = performance.now();
    await until(() => t.app.memoryUsage().takenAt > started + 300 && !t.app.isUnderPressure());
  });
  afterAll(() => t.close());

  it('answers 503 + Retry-After while saturated, keeps /livez up, fails /readyz, then recovers', async () => {
    expect((await call(t.app, 'GET', '/v1/users', { tenant })).statusCode).toBe(200);

    blockEventLoop(1_500);
    await until(() => t.app.isUnderPressure());
    // Sent together, within the sample interval that reported the pressure.
    const [users, create, ready, live] = await Promise.all([
      call(t.app, 'GET', '/v1/users', { tenant }),
      call(t.app, 'POST', '/v1/users', { tenant, body: { email: 'shed@example.com' } }),
      call(t.app, 'GET', '/readyz'),
      call(t.app, 'GET', '/livez'),
    ]);
    expectShed(users);
    expectShed(create);
    expectShed(ready);
    expect(live.statusCode).toBe(200);
    expect(t.logs.some((line) => line.event === 'load.shed')).toBe(true);

    await until(() => !t.app.isUnderPressure());
    expect((await call(t.app, 'GET', '/v1/users', { tenant })).statusCode).toBe(200);
    expect((await call(t.app, 'GET', '/readyz')).statusCode).toBe(200);
    // The shed write stored nothing.
    const stored = await t.db.kysely
      .selectFrom('users')
      .select('id')
      .where('email', '=', 'shed@example.com')
      .executeTakeFirst();
    expect(stored).toBeUndefined();
  }, 60_000);
});

describe('load shedding without an event-loop sample (issue 14, defect 9)', () => {
  // errors.test.ts failed under load with "validation_failed: expected 503 to be 200" although
  // its threshold was 30 s: a sample interval in which the event-loop histogram recorded nothing
  // reads as NaN, which @fastify/under-pressure turns into an infinite delay. Sampling as often
  // as the histogram's own 10 ms resolution makes such empty intervals frequent.
  it('does not shed when an interval has no measurement', async () => {
    const t = await startApp('sqlite', {
      LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS: '30000',
      LOAD_SHED_SAMPLE_INTERVAL_MS: '10',
      // As many requests as 1.5 s allow, all from one address to a public route.
      RATE_LIMIT_IP_QUOTA: '1000000',
    });
    try {
      const deadline = Date.now() + 1_500;
      const statuses = new Set<number>();
      while (Date.now() < deadline) {
        statuses.add((await call(t.app, 'GET', '/problems/validation_failed')).statusCode);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect([...statuses]).toEqual([200]);
      expect(t.logs.filter((line) => line.event === 'load.shed')).toEqual([]);
    } finally {
      await t.close();
    }
  });
});

describe('load shedding on memory', () => {
  it('sheds while heap use is over LOAD_SHED_MAX_HEAP_USED_BYTES, liveness exempt', async () => {
    // A 1-byte threshold: under pressure from the first sample on, deterministically.
    const t = await startApp('sqlite', {
      LOAD_SHED_MAX_HEAP_USED_BYTES: '1',
      LOAD_SHED_SAMPLE_INTERVAL_MS: '10',
    });
    try {
      await until(() => t.app.isUnderPressure());
      expectShed(await call(t.app, 'GET', '/v1/users'));
      expectShed(await call(t.app, 'GET', '/readyz'));
      expect((await call(t.app, 'GET', '/livez')).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});

describe('load shedding configuration', () => {
  it('defaults to a 1 s event-loop delay threshold; memory thresholds are off', () => {
    expect(loadConfig({}).loadShedding).toEqual({
      maxEventLoopDelayMs: 1000,
      maxHeapUsedBytes: 0,
      maxRssBytes: 0,
      sampleIntervalMs: 1000,
      maxQueueMs: 100,
      overloadQueueMs: 20,
      overloadHoldMs: 1000,
      concurrencyMin: 8,
      concurrencyMax: 1000,
      concurrencyToleratedMs: 100,
    });
  });
});
