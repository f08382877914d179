import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { startProcess, type StartedProcess } from './processes.js';

/** A command that undoes something the topology did (start the machine's PostgreSQL cluster). */
export interface UndoCommand {
  name: string;
  command: string;
  args: string[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Whether something accepts TCP connections on host:port within `timeoutMs`. */
export function listening(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (result: boolean) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, host.replace(/^\[|\]$/g, ''), () => done(true));
  });
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what} did not come up within ${timeoutMs} ms`);
    await sleep(200);
  }
}

function hostAndPort(url: string, defaultPort: number) {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || defaultPort) };
}

/**
 * Uses the PostgreSQL server of `url` if it answers. If it does not and it is this machine's
 * Debian cluster, starts that cluster (as .ci/run does) and returns how to stop it again;
 * a remote server that does not answer is an error, never started or touched.
 */
export async function ensurePostgres(url: string): Promise<UndoCommand | undefined> {
  const { host, port } = hostAndPort(url, 5432);
  if (await listening(host, port)) return undefined;
  if (!LOOPBACK.has(host) || !existsSync('/etc/postgresql')) {
    throw new Error(`PostgreSQL at ${host}:${port} does not answer`);
  }
  const version = readdirSync('/etc/postgresql').sort().at(-1);
  if (version === undefined) throw new Error('no PostgreSQL cluster in /etc/postgresql');
  const cluster = ['--skip-systemctl-redirect', version, 'main'];
  execFileSync('pg_ctlcluster', [...cluster, 'start'], { stdio: 'pipe' });
  await until('PostgreSQL', () => listening(host, port), 30_000);
  return {
    name: `postgresql ${version}/main`,
    command: 'pg_ctlcluster',
    args: [...cluster, 'stop'],
  };
}

/** Creates the database named in `url` when it does not exist yet (connecting to `postgres`). */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (name === '') throw new Error('the database URL names no database');
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const db = new Kysely<Record<string, never>>({
    dialect: new PostgresDialect({
      pool: new pg.Pool({ connectionString: admin.toString(), max: 1 }),
    }),
  });
  try {
    const found = await sql<{
      one: number;
    }>`select 1 as one from pg_database where datname = ${name}`.execute(db);
    if (found.rows.length === 0) await sql`create database ${sql.id(name)}`.execute(db);
  } finally {
    await db.destroy();
  }
}

/**
 * Uses the Redis of `url` if it answers; otherwise, on loopback, starts a redis-server (no
 * persistence, like .ci/run) as a process of the topology, so that down stops it again.
 */
export async function ensureRedis(
  url: string,
  options: { logFile: string; detached: boolean; cwd: string },
): Promise<StartedProcess | undefined> {
  const { host, port } = hostAndPort(url, 6379);
  if (await listening(host, port)) return undefined;
  if (!LOOPBACK.has(host)) throw new Error(`Redis at ${host}:${port} does not answer`);
  const redis = await startProcess(
    'redis',
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no'],
    { ...options, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } },
  );
  await until('Redis', () => listening(host, port), 15_000);
  return redis;
}
