import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CheckOptions } from '../../src/run/options.js';

/** A real third-party server, started on loopback for the accuracy suite. */
export interface RunningTarget {
  url: string;
  /** Flags a user would give, as options. */
  options: Partial<CheckOptions>;
  /** A digest of everything the server stores (undefined: it stores nothing). */
  state(): Promise<string | undefined>;
  stop(): Promise<void>;
}

/** A target, or why it cannot run on this machine. */
export type Started = { ok: true; target: RunningTarget } | { ok: false; reason: string };

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function waitFor(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${log()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`no answer from ${url} within 30 s: ${log()}`);
}

function start(command: string, args: string[], cwd: string) {
  const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'close');
    }
  };
  return { child, log: () => output.slice(-2000), stop };
}

/** A digest of a directory tree: every file's path and content. */
function treeDigest(dir: string): string {
  const hash = createHash('sha256');
  const walk = (path: string) => {
    for (const name of readdirSync(path).sort()) {
      const full = join(path, name);
      if (statSync(full).isDirectory()) walk(full);
      else hash.update(`${full}\0`).update(readFileSync(full));
    }
  };
  if (existsSync(dir)) walk(dir);
  return hash.digest('hex');
}

const WORK = join(tmpdir(), 'steadfast-check-accuracy');

/** json-server 0.17.4 from npm, installed into a cache folder, serving a db.json it may write. */
export async function jsonServer(): Promise<Started> {
  const dir = join(WORK, 'json-server');
  mkdirSync(dir, { recursive: true });
  const cli = join(dir, 'node_modules', 'json-server', 'lib', 'cli', 'bin.js');
  if (!existsSync(cli)) {
    writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
    const install = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', 'json-server@0.17.4'],
      { cwd: dir, encoding: 'utf8' },
    );
    if (install.status !== 0 || !existsSync(cli)) {
      return { ok: false, reason: `npm install json-server@0.17.4 failed: ${install.stderr}` };
    }
  }
  const db = join(dir, 'db.json');
  writeFileSync(
    db,
    `${JSON.stringify(
      {
        posts: [
          { id: 1, title: 'first', author: 'ada' },
          { id: 2, title: 'second', author: 'bob' },
          { id: 3, title: 'third', author: 'cy' },
        ],
        comments: [{ id: 1, body: 'hi', postId: 1 }],
        profile: { name: 'typicode' },
      },
      null,
      2,
    )}\n`,
  );
  const port = await freePort();
  const server = start(
    process.execPath,
    [cli, '--watch', db, '--port', String(port), '--host', '127.0.0.1'],
    dir,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/posts`, server.child, server.log);
  return {
    ok: true,
    target: {
      url,
      options: { resources: ['/posts'] },
      state: async () => createHash('sha256').update(readFileSync(db)).digest('hex'),
      stop: server.stop,
    },
  };
}

/** httpbin from Debian's python3-httpbin, on its own development server. */
export async function httpbin(): Promise<Started> {
  const python = '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import httpbin'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    return { ok: false, reason: 'Debian package python3-httpbin is not installed' };
  }
  const port = await freePort();
  const server = start(
    python,
    ['-m', 'httpbin.core', '--port', String(port), '--host', '127.0.0.1'],
    tmpdir(),
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/get`, server.child, server.log);
  // httpbin keeps no state: every answer is computed from the request.
  return {
    ok: true,
    target: { url, options: {}, state: async () => undefined, stop: server.stop },
  };
}

/** Pushes a one-config image to `name:latest` through the registry's own API. */
async function pushImage(registry: string, name: string): Promise<void> {
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: [] },
    }),
  );
  const digest = `sha256:${createHash('sha256').update(config).digest('hex')}`;
  const upload = await fetch(`${registry}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  const location = new URL(upload.headers.get('location')!, registry);
  location.searchParams.set('digest', digest);
  const blob = await fetch(location, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream' },
    body: config,
  });
  if (blob.status !== 201) throw new Error(`blob upload: ${blob.status}`);
  const manifest = await fetch(`${registry}/v2/${name}/manifests/latest`, {
    method: 'PUT',
    headers: { 'content-type': 'application/vnd.docker.distribution.manifest.v2+json' },
    body: JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
      config: {
        mediaType: 'application/vnd.docker.container.image.v1+json',
        size: config.length,
        digest,
      },
      layers: [],
    }),
  });
  if (manifest.status !== 201) throw new Error(`manifest upload: ${manifest.status}`);
}

/** The Distribution registry from Debian's docker-registry, filesystem storage, 3 repositories. */
export async function dockerRegistry(): Promise<Started> {
  const bin = '/usr/bin/docker-registry';
  if (!existsSync(bin))
    return { ok: false, reason: 'Debian package docker-registry is not installed' };
  const dir = join(WORK, `registry-${process.pid}`);
  const data = join(dir, 'data');
  mkdirSync(data, { recursive: true });
  const port = await freePort();
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    `version: 0.1\nlog:\n  level: warn\nstorage:\n  filesystem:\n    rootdirectory: ${data}\nhttp:\n  addr: 127.0.0.1:${port}\n`,
  );
  const server = start(bin, ['serve', config], dir);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/v2/`, server.child, server.log);
  for (const name of ['alpha', 'beta', 'gamma']) await pushImage(url, name);
  return {
    ok: true,
    target: {
      url: `${url}/v2`,
      options: { resources: ['/_catalog'] },
      state: async () => treeDigest(data),
      stop: async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    },
  };
}

/** The admin token the Unleash target is started with (a throwaway local database). */
export const UNLEASH_TOKEN = '*:*.steadfastadmintoken0123456789abcdef';
const PG = ['-h', '127.0.0.1', '-U', 'postgres'];

/** Counts of what Unleash stores (its event log grows with every change). */
function unleashState(database: string): string {
  const tables = ['events', 'features', 'strategies', 'projects', 'segments', 'tags', 'tag_types'];
  const sql = tables.map((t) => `SELECT '${t}', count(*) FROM ${t}`).join(' UNION ALL ');
  const out = spawnSync('psql', [...PG, '-d', database, '-At', '-c', sql], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`psql: ${out.stderr}`);
  return out.stdout.trim();
}

/**
 * Unleash 8.2.0 (npm unleash-server), a feature-flag service with a large OpenAPI 3.0 document at
 * a non-root path (/docs/openapi.json), token authentication, and a single-page admin UI that
 * answers every unknown path. Needs PostgreSQL on 127.0.0.1:5432 (user postgres).
 */
export async function unleash(): Promise<Started> {
  if (spawnSync('createdb', ['--version']).status !== 0) {
    return { ok: false, reason: 'the PostgreSQL client tools (createdb, psql) are not installed' };
  }
  const dir = join(WORK, 'unleash');
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, 'node_modules', 'unleash-server', 'package.json');
  if (!existsSync(entry)) {
    writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
    const install = spawnSync(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', 'unleash-server@8.2.0'],
      { cwd: dir, encoding: 'utf8' },
    );
    if (install.status !== 0 || !existsSync(entry)) {
      return { ok: false, reason: `npm install unleash-server@8.2.0 failed: ${install.stderr}` };
    }
  }
  const database = `steadfast_accuracy_unleash_${process.pid}`;
  spawnSync('dropdb', [...PG, '--if-exists', database]);
  const created = spawnSync('createdb', [...PG, database], { encoding: 'utf8' });
  if (created.status !== 0) {
    return {
      ok: false,
      reason: `PostgreSQL at 127.0.0.1:5432 refused createdb: ${created.stderr}`,
    };
  }
  const port = await freePort();
  const script = join(dir, 'start.cjs');
  writeFileSync(
    script,
    `require('unleash-server').start({
  db: { user: 'postgres', password: '', host: '127.0.0.1', port: 5432, database: ${JSON.stringify(database)}, ssl: false },
  server: { port: ${port}, host: '127.0.0.1' },
  logLevel: 'error',
  authentication: { initApiTokens: [{ environment: '*', project: '*', secret: ${JSON.stringify(UNLEASH_TOKEN)}, type: 'admin', tokenName: 'admin' }] },
});\n`,
  );
  const server = start(process.execPath, [script], dir);
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/health`, server.child, server.log);
  // The admin token is inserted after the server answers: wait until it is accepted.
  for (let i = 0; i < 50; i += 1) {
    const reply = await fetch(`${url}/api/admin/strategies`, {
      headers: { authorization: UNLEASH_TOKEN },
    });
    if (reply.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    ok: true,
    target: {
      url,
      options: { auth: `Authorization: ${UNLEASH_TOKEN}` },
      state: async () => unleashState(database),
      stop: async () => {
        await server.stop();
        spawnSync('dropdb', [...PG, '--if-exists', database]);
      },
    },
  };
}
