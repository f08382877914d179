import { execFile, spawnSync } from 'node:child_process';
import { Agent, createServer, request as httpRequest } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConcurrencyLimit } from '../../src/platform/security/concurrency-limit.js';
import { createQueueBound } from '../../src/platform/security/queue-clock.js';
import { installAdmission } from '../../src/platform/security/admission.js';
import {
  TEST_CURSOR_SECRET,
  freePort,
  runTs,
  spawnTs,
  tempDatabase,
  type Server,
} from '../support/process.js';

/*
 * Issue 20 §2 on a listening server: 300 keep-alive clients listing 100 orders (SQLite). The
 * in-flight limit must shed the excess at once with 503 + Retry-After, keep the probes answering
 * from new connections, and let go as soon as the burst ends (no latch).
 */

interface Answer {
  status: number;
  ms: number;
  /** Sent on a connection already open (its latency holds no wait in the accept queue). */
  reused?: boolean;
  retryAfter?: string;
  contentType?: string;
}

function get(port: number, path: string, agent: Agent | false, key?: string): Promise<Answer> {
  const started = performance.now();
  const headers = key ? { authorization: `Bearer ${key}` } : {};
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent, headers }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          ms: performance.now() - started,
          reused: req.reusedSocket,
          retryAfter: res.headers['retry-after'],
          contentType: res.headers['content-type'],
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const execFileAsync = promisify(execFile);

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

describe('adaptive load shedding under a burst', () => {
  let server: Server;
  let metricsPort: number;
  let key: string;
  const db = tempDatabase();

  beforeAll(async () => {
    const seeded = await runTs(['src/cli/seed-scale.ts', '--orders', '2000', '--key'], {
      DATABASE_URL: db.url,
    });
    key = (JSON.parse(seeded.stdout.trim().split('\n').at(-1)!) as { api_key: string }).api_key;
    // Warnings only: a line per request into a pipe this busy test process drains late would
    // block the server's synchronous log writes and measure the pipe, not the server.
    const port = await freePort();
    metricsPort = await freePort();
    while (metricsPort === port) metricsPort = await freePort();
    const child = spawnTs(['src/main.ts'], {
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      CURSOR_SECRET: TEST_CURSOR_SECRET,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: db.url,
      RATE_LIMIT_API_KEY_QUOTA: '1000000',
      // Every request builds its page: a list-cache hit is cheap enough that 300 clients could
      // not saturate the server, and this is about saturation.
      LIST_CACHE_MAX_BYTES: '0',
    });
    server = { ...child, port, baseUrl: `http://127.0.0.1:${port}` };
    // Generous: the whole suite runs in parallel on two shared cores.
    const deadline = Date.now() + 60_000;
    while ((await get(port, '/livez', false).catch(() => undefined))?.status !== 200) {
      if (Date.now() > deadline || child.process.exitCode !== null)
        throw new Error(`server did not start: ${child.stdout()}${child.stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }, 120_000);
  afterAll(async () => {
    await server?.kill();
    db.remove();
  });

  it('sheds the excess at once, keeps probes answering, and recovers when the burst ends', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 300 });
    const answers: Answer[] = [];
    const probes: Answer[] = [];
    const opsProbes: Answer[] = [];
    let running = true;
    const orders = '/v1/orders?limit=100';
    const client = async () => {
      while (running) answers.push(await get(server.port, orders, agent, key));
    };
    // Probes from another process (curl), so their timing is the server's, not this busy client's.
    const probe = async (path: string, port = server.port): Promise<Answer> => {
      const { stdout } = await execFileAsync('curl', [
        '-s',
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{time_total}',
        `http://127.0.0.1:${port}${path}`,
      ]);
      const [status, seconds] = stdout.split(' ');
      return { status: Number(status), ms: Number(seconds) * 1000 };
    };
    // Paced as an orchestrator's probes are: spawning curl back to back would itself load the
    // two cores the burst is measured on.
    const pause = () => new Promise((resolve) => setTimeout(resolve, 250));
    const prober = async () => {
      while (running) {
        probes.push(await probe('/livez'));
        probes.push(await probe('/readyz'));
        await pause();
      }
    };
    const opsProber = async () => {
      while (running) {
        opsProbes.push(await probe('/livez', metricsPort));
        opsProbes.push(await probe('/readyz', metricsPort));
        await pause();
      }
    };
    const stop = new Promise<void>((resolve) =>
      setTimeout(() => {
        running = false;
        resolve();
      }, 4_000),
    );
    await Promise.all([...Array.from({ length: 300 }, client), prober(), opsProber(), stop]);
    agent.destroy();

    const shed = answers.filter((a) => a.status === 503);
    const served = answers.filter((a) => a.status === 200);
    // The first request of each of the 300 new connections also waited for Node to accept it
    // (one connection per event-loop turn), which admission control cannot shorten.
    const servedOnOpenConnections = served.filter((a) => a.reused);
    expect(answers.every((a) => a.status === 200 || a.status === 503)).toBe(true);
    expect(shed.length).toBeGreaterThan(0);
    expect(served.length).toBeGreaterThan(0);
    for (const answer of shed) {
      expect(answer.retryAfter).toBe('2');
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
    }
    // Admitted requests do not wait behind the burst: without admission control their median was
    // 0.96-1.24 s on the same run (300 clients, 2 shared cores), with it 0.06-0.24 s.
    expect(median(servedOnOpenConnections.map((a) => a.ms))).toBeLessThan(800);
    // Every probe is answered 200 during the burst. On the API port a probe's new connection waits
    // in the kernel's accept queue behind the burst's connections, and Node (libuv >= 1.45)
    // accepts one connection per event-loop turn: seconds while every turn is busy, so the bound
    // there is the 10 s after which the probes gave up. The metrics listener has an
    // accept queue of its own; its bound is generous for a loaded two-core machine (the 1 s
    // target is measured by bench/overload, not asserted by a timed test).
    expect(probes.length).toBeGreaterThan(1);
    expect(probes.every((p) => p.status === 200)).toBe(true);
    expect(Math.max(...probes.map((p) => p.ms))).toBeLessThan(10_000);
    expect(opsProbes.length).toBeGreaterThan(1);
    expect(opsProbes.every((p) => p.status === 200)).toBe(true);
    expect(Math.max(...opsProbes.map((p) => p.ms))).toBeLessThan(5_000);

    // No latch: the first request after the burst is served.
    expect((await get(server.port, orders, false, key)).status).toBe(200);
  });
});

describe('the adaptive concurrency limit', () => {
  /** Runs `test` with performance.now replaced (by `driven`), restoring it afterwards. */
  const withClock = (test: () => void) => {
    const realNow = performance.now.bind(performance);
    try {
      test();
    } finally {
      performance.now = realNow;
    }
  };
  /** A limit on a clock of its own: `run` fills it `rounds` times at one latency. */
  const driven = (toleratedMs: number) => {
    let now = 0;
    performance.now = () => now;
    const limit = createConcurrencyLimit({ min: 2, max: 100, toleratedMs });
    const run = (inFlight: number, latency: number, rounds: number) => {
      for (let round = 0; round < rounds; round += 1) {
        const releases = Array.from({ length: inFlight }, () => limit.tryAcquire()).filter(
          (r): r is () => void => r !== undefined,
        );
        now += latency;
        releases.forEach((release) => release());
      }
    };
    return { limit, run };
  };

  it('shrinks when latency rises above its baseline and grows back when it falls', () =>
    withClock(() => {
      const { limit, run } = driven(0);
      const start = limit.limit();
      run(start, 5, 20);
      const grown = limit.limit();
      expect(grown).toBeGreaterThan(start);
      run(grown, 50, 20);
      expect(limit.limit()).toBeLessThan(grown);
      const shrunk = limit.limit();
      expect(
        Array.from({ length: shrunk + 5 }, () => limit.tryAcquire()).filter(Boolean),
      ).toHaveLength(shrunk);
    }));

  it('does not shrink while latency stays within the tolerated bound, and does above it', () =>
    withClock(() => {
      const { limit, run } = driven(100);
      run(limit.limit(), 5, 20);
      const grown = limit.limit();
      // Ten times the baseline, still under 100 ms: a busy server, not refused for it.
      run(grown, 50, 20);
      expect(limit.limit()).toBeGreaterThanOrEqual(grown);
      const before = limit.limit();
      run(before, 400, 20);
      expect(limit.limit()).toBeLessThan(before);
    }));
});

describe('the bound on queueing time', () => {
  const options = { maxQueueMs: 100, overloadQueueMs: 20, overloadHoldMs: 1000 };

  it('lets a busy but sustainable turn through and refuses past the normal bound', () => {
    const tooLong = createQueueBound(options);
    expect(tooLong(0, 0)).toBe(false);
    expect(tooLong(60, 10)).toBe(false);
    expect(tooLong(100, 20)).toBe(false);
    expect(tooLong(101, 30)).toBe(true);
  });

  it('applies the stricter bound for the hold once two turns exceeded the normal one', () => {
    const tooLong = createQueueBound(options);
    // One slow turn (its refusals within a few ms): the normal bound stays.
    expect(tooLong(150, 1_000)).toBe(true);
    expect(tooLong(160, 1_010)).toBe(true);
    expect(tooLong(60, 1_200)).toBe(false);
    // Another turn over the normal bound within the hold: a flood, the 20 ms bound for 1 s.
    expect(tooLong(120, 1_400)).toBe(true);
    expect(tooLong(15, 1_500)).toBe(false);
    expect(tooLong(25, 1_600)).toBe(true);
    expect(tooLong(60, 2_399)).toBe(true);
    // Refusals inside the hold do not extend it: it ends 1 s after it began.
    expect(tooLong(60, 2_400)).toBe(false);
    expect(tooLong(99, 2_500)).toBe(false);
    // A single slow turn long after: refused, but no hold.
    expect(tooLong(120, 5_000)).toBe(true);
    expect(tooLong(30, 5_300)).toBe(false);
    // Two slow turns further apart than the hold: no hold either.
    expect(tooLong(120, 6_100)).toBe(true);
    expect(tooLong(30, 6_200)).toBe(false);
  });

  it('is off with a normal bound of 0, and never stricter than the normal bound', () => {
    const off = createQueueBound({ ...options, maxQueueMs: 0 });
    expect(off(10_000, 0)).toBe(false);
    const loose = createQueueBound({ maxQueueMs: 10, overloadQueueMs: 50, overloadHoldMs: 1000 });
    expect(loose(11, 0)).toBe(true);
    expect(loose(11, 500)).toBe(true);
    expect(loose(9, 600)).toBe(false);
    expect(loose(9, 700)).toBe(false);
  });
});

describe('a client that sent its request and left', () => {
  let served: string[] = [];
  const start = async () => {
    served = [];
    const server = createServer((request, response) => {
      served.push(request.url ?? '');
      response.end('ok');
    });
    installAdmission(server, {
      maxQueueMs: 0,
      overloadQueueMs: 20,
      overloadHoldMs: 0,
      concurrencyMin: 1,
      concurrencyMax: 0,
      concurrencyToleratedMs: 100,
      exemptPaths: [],
      publicBaseUrl: 'http://127.0.0.1',
      retryAfterSeconds: 2,
      onShed: () => undefined,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { server, port: (server.address() as AddressInfo).port };
  };

  it('is not served; a client that stays is', async () => {
    const { server, port } = await start();
    try {
      // While this loop is blocked in spawnSync, bash connects (the kernel completes the
      // handshake), sends a request and closes: the server then reads request and FIN together,
      // as it does for the connections a burst leaves in the accept queue.
      const script = `exec 3<>/dev/tcp/127.0.0.1/${port}; printf 'GET /gone HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n' >&3; exec 3>&-`;
      expect(spawnSync('bash', ['-c', script]).status).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(served).toEqual([]);
      const stays = await get(port, '/stays', false);
      expect(stays.status).toBe(200);
      expect(served).toEqual(['/stays']);
    } finally {
      server.close();
    }
  });

  it('serves pipelined requests of a new connection in the order they came', async () => {
    const { server, port } = await start();
    try {
      const socket = connect(port, '127.0.0.1');
      let received = '';
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: t\r\n\r\n`;
      socket.write(request('/one') + request('/two') + request('/three'));
      const deadline = Date.now() + 5_000;
      while ((received.match(/HTTP\/1\.1 200/g) ?? []).length < 3 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      socket.destroy();
      expect(served).toEqual(['/one', '/two', '/three']);
    } finally {
      server.close();
    }
  });
});
