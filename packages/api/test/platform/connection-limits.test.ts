import { createServer } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  enforceConnectionLimits,
  resolveConnectionLimits,
} from '../../src/platform/security/connection-limits.js';
import { freePort, spawnServer, tempDatabase, type Server } from '../support/process.js';

/*
 * Issue 20 §1: ~20,000 idle connections from one address ended the process with an uncaught
 * EMFILE. Here the server runs under `ulimit -n 256`, so a few hundred connections reproduce it in
 * seconds.
 */

const LIVEZ = 'GET /livez HTTP/1.1\r\nHost: x\r\n\r\n';

interface Outcome {
  answered: boolean;
  closed: boolean;
}

/** Opens `count` connections from `from`, each asking /livez once and then idling. */
async function flood(port: number, from: string, count: number) {
  const sockets: Socket[] = [];
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: count }, async () => {
      const outcome: Outcome = { answered: false, closed: false };
      outcomes.push(outcome);
      const socket = connect({ port, host: '127.0.0.1', localAddress: from });
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.on('data', () => (outcome.answered = true));
      socket.on('close', () => (outcome.closed = true));
      await new Promise<void>((resolve) => {
        socket.once('connect', () => {
          socket.write(LIVEZ);
          resolve();
        });
        socket.once('close', () => resolve());
      });
    }),
  );
  // Every connection ends up answered (kept, idle) or closed by the server (refused).
  const deadline = Date.now() + 10_000;
  while (outcomes.some((o) => !o.answered && !o.closed) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    kept: outcomes.filter((o) => o.answered && !o.closed).length,
    refused: outcomes.filter((o) => !o.answered && o.closed).length,
    close: () => sockets.forEach((s) => s.destroy()),
  };
}

/** GET over a fresh connection from `from`: the status code. */
async function get(port: number, path: string, from = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: from });
    let data = '';
    socket.on('data', (chunk: Buffer) => {
      data += chunk.toString();
      const status = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (status) {
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`closed without an answer: ${data}`)));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  });
}

describe('connection caps under a lowered descriptor limit', () => {
  let server: Server;
  let metricsPort: number;
  const db = tempDatabase();

  beforeAll(async () => {
    metricsPort = await freePort();
    server = await spawnServer(
      // Sampled every 50 ms: a sampler that can throw meets the exhausted descriptors at once.
      {
        DATABASE_URL: db.url,
        METRICS_PORT: String(metricsPort),
        LOAD_SHED_SAMPLE_INTERVAL_MS: '50',
      },
      { descriptorLimit: 256 },
    );
  });
  afterAll(async () => {
    await server.kill();
    db.remove();
  });

  it('states the caps, derived from ulimit -n, in the start-up line', async () => {
    const line = JSON.parse(await server.waitForLine('"event":"startup.completed"')) as Record<
      string,
      unknown
    >;
    const expected = resolveConnectionLimits(
      { maxConnections: 0, maxConnectionsPerAddress: 0, listenBacklog: 511 },
      { descriptorLimit: 256, dbPoolMax: 10, behindProxy: false },
    );
    expect(line).toMatchObject({
      descriptor_limit: 256,
      max_connections: expected.max,
      max_connections_per_address: expected.perAddress,
    });
    expect(expected.max).toBeLessThan(256 - 100);
    expect(line.msg).toContain(`at most ${expected.max} connections`);
  });

  it('refuses a flood from one address beyond its cap and stays up for everyone else', async () => {
    const attack = await flood(server.port, '127.0.0.1', 400);
    try {
      // Held open across ten pressure samples: the former sampler died here of EMFILE.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(server.process.exitCode, server.stderr()).toBeNull();
      const { perAddress } = resolveConnectionLimits(
        { maxConnections: 0, maxConnectionsPerAddress: 0, listenBacklog: 511 },
        { descriptorLimit: 256, dbPoolMax: 10, behindProxy: false },
      );
      expect(attack.kept).toBeLessThanOrEqual(perAddress);
      expect(attack.refused).toBeGreaterThanOrEqual(400 - perAddress);
      // Another client is served, probes included, and so is the metrics listener.
      expect(await get(server.port, '/livez', '127.0.0.2')).toBe(200);
      expect(await get(server.port, '/readyz', '127.0.0.2')).toBe(200);
      const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
      expect(await metrics.text()).toMatch(
        /steadfast_connections_refused_total\{reason="per_address"\} [1-9]/,
      );
    } finally {
      attack.close();
    }
  });

  it('refuses connections beyond the total from many addresses without dying, then recovers', async () => {
    const floods = await Promise.all(
      [2, 3, 4, 5, 6, 7, 8, 9].map((n) => flood(server.port, `127.0.0.${n}`, 36)),
    );
    try {
      expect(server.process.exitCode).toBeNull();
      const kept = floods.reduce((sum, f) => sum + f.kept, 0);
      expect(kept).toBeLessThan(8 * 36);
      expect(floods.reduce((sum, f) => sum + f.refused, 0)).toBeGreaterThan(0);
    } finally {
      floods.forEach((f) => f.close());
    }
    const deadline = Date.now() + 5_000;
    let status = 0;
    while (status !== 200 && Date.now() < deadline) {
      status = await get(server.port, '/livez', '127.0.0.10').catch(() => 0);
    }
    expect(status).toBe(200);
    expect(server.process.exitCode).toBeNull();
  });
});

describe('connection caps', () => {
  it('keep a reserve below the descriptor limit, honour settings below it, and trust proxies', () => {
    const derived = resolveConnectionLimits(
      { maxConnections: 0, maxConnectionsPerAddress: 0, listenBacklog: 511 },
      { descriptorLimit: 20_000, dbPoolMax: 10, behindProxy: false },
    );
    expect(derived).toEqual({
      descriptorLimit: 20_000,
      reserved: 2_010,
      max: 17_990,
      perAddress: 4_497,
      backlog: 511,
    });
    const set = resolveConnectionLimits(
      { maxConnections: 50_000, maxConnectionsPerAddress: 100, listenBacklog: 511 },
      { descriptorLimit: 20_000, dbPoolMax: 10, behindProxy: false },
    );
    expect(set).toMatchObject({ max: 17_990, perAddress: 100 });
    const proxied = resolveConnectionLimits(
      { maxConnections: 0, maxConnectionsPerAddress: 0, listenBacklog: 511 },
      { descriptorLimit: 20_000, dbPoolMax: 10, behindProxy: true },
    );
    expect(proxied.perAddress).toBe(proxied.max);
    const unknown = resolveConnectionLimits(
      { maxConnections: 0, maxConnectionsPerAddress: 0, listenBacklog: 511 },
      { descriptorLimit: undefined, dbPoolMax: 10, behindProxy: false },
    );
    expect(unknown).toMatchObject({ max: 10_000, perAddress: 2_500 });
  });
});

describe('the idle sweep', () => {
  it('closes idle connections oldest first, down to 70% of the total, never one with a request in flight', async () => {
    const server = createServer((request, response) => {
      if (request.url === '/slow') setTimeout(() => response.end('slow'), 500);
      else response.end('ok');
    });
    const limits = {
      descriptorLimit: undefined,
      reserved: 0,
      max: 20,
      perAddress: 20,
      backlog: 511,
    };
    enforceConnectionLimits(server, limits, pino({ level: 'silent' }), { refused: () => {} });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    /** Opens a keep-alive connection, sends `path`, resolves once connected (and answered, if asked). */
    const open = (path: string, waitForAnswer: boolean) =>
      new Promise<{ socket: Socket; answer: Promise<string>; closed: () => boolean }>((resolve) => {
        const socket = connect({ port, host: '127.0.0.1' });
        let closed = false;
        socket.on('error', () => undefined);
        socket.on('close', () => (closed = true));
        const answer = new Promise<string>((done) =>
          socket.once('data', (chunk: Buffer) => done(chunk.toString())),
        );
        socket.once('connect', () => {
          socket.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
          const result = { socket, answer, closed: () => closed };
          if (waitForAnswer) void answer.then(() => resolve(result));
          else setTimeout(() => resolve(result), 50);
        });
      });
    try {
      const busy = await open('/slow', false);
      const idle = [];
      // 1 busy + 15 idle = 16, exactly 80% of 20: no sweep yet.
      for (let i = 0; i < 15; i += 1) idle.push(await open('/', true));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(idle.some((c) => c.closed())).toBe(false);
      // The 17th crosses 80%: back down to 14 (70%), closing the 3 oldest idle ones.
      const last = await open('/', true);
      const deadline = Date.now() + 5_000;
      while (idle.filter((c) => c.closed()).length < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(idle.map((c) => c.closed())).toEqual([
        ...Array(3).fill(true),
        ...Array(12).fill(false),
      ]);
      expect(last.closed()).toBe(false);
      expect(busy.closed()).toBe(false);
      expect(await busy.answer).toContain('slow');
      [busy, last, ...idle].forEach((c) => c.socket.destroy());
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
