import { existsSync, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../src/db/database.js';
import { createTenant } from '../../src/modules/api-keys/service.js';
import { uniqueEmail } from '../support/app.js';
import { json, type Client } from './client.js';
import type { Actor } from './steady-load.js';

/** The repository root, where deploy/ lives. */
export const REPO_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../..');

/**
 * Ports for the topology come from below the kernel's ephemeral range (32768+ on Linux): a port
 * handed out by `listen(0)` is an ephemeral one, which an outbound connection (to PostgreSQL,
 * Redis, nginx's upstreams) may take before the process that was meant to bind it starts.
 */
const RANGE = { from: 20_000, to: 32_000 };

/** Binds 127.0.0.1:port, or returns undefined when it is taken. */
async function hold(port: number): Promise<Server | undefined> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await Promise.race([
      once(server, 'listening'),
      once(server, 'error').then(([error]) => Promise.reject(error as Error)),
    ]);
    return server;
  } catch {
    server.close();
    return undefined;
  }
}

async function release(servers: Server[]): Promise<void> {
  await Promise.all(
    servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
}

/** `count` consecutive free loopback ports, returned as the first (bound to prove they are free). */
export async function consecutiveFreePorts(count: number): Promise<number> {
  for (;;) {
    const base = RANGE.from + Math.floor(Math.random() * (RANGE.to - RANGE.from - count));
    const held: Server[] = [];
    for (let port = base; port < base + count; port++) {
      const server = await hold(port);
      if (!server) break;
      held.push(server);
    }
    await release(held);
    if (held.length === count) return base;
  }
}

/** `count` distinct free loopback ports: all held open at once, so none is handed out twice. */
export async function freePorts(count: number): Promise<number[]> {
  const held: Server[] = [];
  try {
    while (held.length < count) {
      const port = RANGE.from + Math.floor(Math.random() * (RANGE.to - RANGE.from));
      const server = await hold(port);
      if (server) held.push(server);
    }
    return held.map((server) => (server.address() as AddressInfo).port);
  } finally {
    await release(held);
  }
}

let actors = 0;

/** A new tenant (straight into the database) and its API key, without a user. */
export async function newTenant(
  db: Db,
  label: string,
): Promise<{ accountId: string; key: string }> {
  actors += 1;
  const tenant = await createTenant(db.kysely, { name: `lb-${label}-${actors}`, mode: 'test' });
  return { accountId: tenant.accountId, key: tenant.secret };
}

/** A new tenant with one user created through the load balancer (one write of its quota). */
export async function newActor(
  db: Db,
  client: Client,
  label: string,
): Promise<Actor & { accountId: string }> {
  const tenant = await newTenant(db, label);
  const created = await client.send('POST', '/v1/users', {
    key: tenant.key,
    body: { email: uniqueEmail(label) },
  });
  if (created.status !== 201)
    throw new Error(`user for ${label}: ${created.status} ${created.body}`);
  return { ...tenant, userId: json<{ id: string }>(created).id };
}

/**
 * The instances (upstream addresses) that answered these requests, from nginx's access log. When
 * nginx tried a second instance the entry reads "a, b": b is the one that answered.
 */
export function servedBy(accessLog: string, requestIds: string[]): Set<string> {
  const wanted = new Set(requestIds);
  const addresses = new Set<string>();
  if (!existsSync(accessLog)) return addresses;
  for (const line of readFileSync(accessLog, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as { request_id: string; upstream: string };
    if (!wanted.has(entry.request_id)) continue;
    const answered = entry.upstream.split(/,\s*/).at(-1);
    if (answered) addresses.add(answered);
  }
  return addresses;
}

/** Polls `check` until it returns a value other than undefined; fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(25);
  }
}
