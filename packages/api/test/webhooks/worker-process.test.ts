import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stores } from '../support/app.js';
import { ownPostgresDatabase } from '../support/own-database.js';
import {
  createKey,
  freePort,
  httpRequest,
  spawnServer,
  spawnTs,
  tempDatabase,
  type Child,
  type Server,
} from '../support/process.js';
import { startReceiver, type Receiver } from '../support/webhook-receiver.js';

async function until(condition: () => boolean | Promise<boolean>, what: string, ms = 15_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const DELIVERY = {
  WEBHOOK_ALLOW_LOOPBACK: 'true',
  WEBHOOK_POLL_INTERVAL_MS: '50',
  WEBHOOK_TIMEOUT_MS: '1000',
  WEBHOOK_LEASE_MS: '30000',
};

/**
 * `npm run worker` (src/worker.ts) as its own process beside an API that delivers nothing
 * (`WEBHOOK_WORKER_ENABLED=false`): the worker delivers, serves its health and metrics on the
 * metrics listener, and on SIGTERM finishes the attempt in flight and releases the rest.
 */
describe.each(stores)('npm run worker, apart from the API (%s)', (store) => {
  let databaseUrl: string;
  let removeDatabase = () => undefined as void;
  let api: Server;
  let receiver: Receiver;
  let key: string;
  const workers: Child[] = [];

  beforeAll(async () => {
    if (store === 'postgres') databaseUrl = await ownPostgresDatabase('steadfast_webhook_worker');
    else {
      const file = tempDatabase();
      databaseUrl = file.url;
      removeDatabase = file.remove;
    }
    receiver = await startReceiver();
    // Not production: the receiver is plain http on loopback.
    api = await spawnServer({
      ...DELIVERY,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      WEBHOOK_WORKER_ENABLED: 'false',
    });
    key = await createKey(databaseUrl, 'worker-process');
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers) await worker.kill();
    await api?.kill();
    await receiver?.close();
    removeDatabase();
  });

  async function callApi(method: string, path: string, body?: unknown) {
    const response = await httpRequest(`${api.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { ...response, json: () => JSON.parse(response.body) as Record<string, unknown> };
  }

  async function newOrder(userId: string) {
    const order = await callApi('POST', '/v1/orders', {
      user_id: userId,
      currency: 'EUR',
      items: [{ name: 'Pen', quantity: 1, unit_amount: 250 }],
    });
    expect(order.status, order.body).toBe(201);
    return order.json().id as string;
  }

  async function startWorker(extra: Record<string, string> = {}) {
    const metricsPort = await freePort();
    const worker = spawnTs(['src/worker.ts'], {
      ...DELIVERY,
      ...extra,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      METRICS_PORT: String(metricsPort),
    });
    workers.push(worker);
    await worker.waitForLine('"event":"worker.started"', 20_000);
    return { worker, metrics: `http://127.0.0.1:${metricsPort}` };
  }

  it('delivers what the API wrote, serves its health and metrics, and stops on SIGTERM', async () => {
    const endpoint = await callApi('POST', '/v1/webhook_endpoints', {
      url: receiver.url,
      event_types: ['order.created'],
    });
    expect(endpoint.status, endpoint.body).toBe(201);
    receiver.trust(endpoint.json().secret as string);
    const endpointId = endpoint.json().id as string;
    const user = await callApi('POST', '/v1/users', { email: `worker-${store}@example.com` });
    expect(user.status, user.body).toBe(201);
    const userId = user.json().id as string;

    const first = await newOrder(userId);
    // The API's own worker is off: ten of its poll intervals later, nothing has arrived.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(receiver.arrivals).toHaveLength(0);

    const { worker, metrics } = await startWorker();
    await until(() => receiver.arrivals.length === 1, 'the delivery from the worker');
    const [arrival] = receiver.arrivals;
    expect(arrival!.verified).toBe(true);
    expect(JSON.parse(arrival!.body)).toMatchObject({
      type: 'order.created',
      data: { id: first },
    });
    expect(worker.stdout()).not.toContain('"event":"startup.completed"'); // no HTTP listener

    const ready = await httpRequest(`${metrics}/readyz`);
    expect(ready.status, ready.body).toBe(200);
    await until(async () => {
      const text = (await httpRequest(`${metrics}/metrics`)).body;
      return /^steadfast_webhook_deliveries_total\{outcome="succeeded"\} 1$/m.test(text);
    }, 'the delivery counted on the worker metrics listener');

    worker.process.kill('SIGTERM');
    expect(await worker.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    expect(worker.stdout()).toContain('"event":"shutdown.completed"');

    // A worker stopped mid-batch: the attempt in flight ends (timed out, recorded), the rest of
    // its batch is released unattempted, due again for the next worker.
    receiver.arrivals.length = 0;
    receiver.answer({ kind: 'hang' });
    const hanging = await newOrder(userId);
    const released = await newOrder(userId);
    // SIGTERM must reach the worker while the hanging attempt is in flight: with the 1 s timeout
    // of the first worker, a loaded machine could take longer than that to poll, signal and stop,
    // and the attempt timed out and the next delivery went out (two arrivals, a flaky failure).
    const second = await startWorker({ WEBHOOK_TIMEOUT_MS: '5000' });
    await until(() => receiver.arrivals.length === 1, 'the hanging attempt');
    second.worker.process.kill('SIGTERM');
    expect(await second.worker.waitForExit(15_000)).toEqual({ code: 0, signal: null });
    expect(receiver.arrivals).toHaveLength(1);
    expect(JSON.parse(receiver.arrivals[0]!.body)).toMatchObject({ data: { id: hanging } });
    expect(second.worker.stdout()).toContain('"event":"webhook.claim_released"');

    const log = await callApi('GET', `/v2/webhook_endpoints/${endpointId}/deliveries`);
    expect(log.status, log.body).toBe(200);
    const deliveries = log.json().data as Record<string, unknown>[];
    const [releasedEntry, hangingEntry] = deliveries; // newest first
    expect(hangingEntry).toMatchObject({ status: 'pending', attempts: 1 });
    expect(hangingEntry!.last_error).toMatch(/timed out/);
    expect(releasedEntry).toMatchObject({ status: 'pending', attempts: 0, last_attempt_at: null });
    expect(Date.parse(releasedEntry!.next_attempt_at as string)).toBeLessThanOrEqual(Date.now());
    const detail = await callApi(
      'GET',
      `/v2/webhook_endpoints/${endpointId}/deliveries/${releasedEntry!.id as string}`,
    );
    expect(detail.json().attempt_history).toEqual([]);

    // The next worker takes the released delivery at once (its lease did not have to expire).
    const third = await startWorker();
    await until(
      () =>
        receiver.arrivals.some(
          (a) => (JSON.parse(a.body) as { data: { id: string } }).data.id === released,
        ),
      'the released delivery, from the next worker',
      5_000,
    );
    third.worker.process.kill('SIGTERM');
    expect(await third.worker.waitForExit(15_000)).toEqual({ code: 0, signal: null });
  }, 90_000);
});
