import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server as NetServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  httpRequest,
  runTs,
  spawnServer,
  tempDatabase,
  type Server,
} from '../support/process.js';

const DEMO_KEY = /sk_test_[0-9a-f]{60}/g;

describe('startup (real process)', { timeout: 60_000 }, () => {
  let server: Server | undefined;
  let removeDb: (() => void) | undefined;

  afterEach(async () => {
    await server?.kill();
    server = undefined;
    removeDb?.();
    removeDb = undefined;
  });

  function freshDatabase(): string {
    const db = tempDatabase();
    removeDb = db.remove;
    return db.url;
  }

  describe('bad configuration fails at start naming the variable', () => {
    it.each([
      { variable: 'PORT', value: 'abc' },
      { variable: 'BODY_LIMIT_BYTES', value: '12' },
      { variable: 'DATABASE_URL', value: 'mysql://x' },
    ])('$variable=$value exits 78 and names $variable', async ({ variable, value }) => {
      // A valid SQLite path and port by default, so only the variable under test is wrong (and a
      // process that wrongly starts anyway writes nowhere outside the temp directory).
      const result = await runTs(['src/main.ts'], {
        NODE_ENV: 'production',
        LOG_LEVEL: 'info',
        HOST: '127.0.0.1',
        PORT: '0',
        DATABASE_URL: freshDatabase(),
        [variable]: value,
      });
      expect(result.code, result.stderr).toBe(78); // EX_CONFIG
      expect(result.stderr).toMatch(new RegExp(`Invalid configuration: ${variable}\\b`));
      expect(result.stderr).not.toMatch(/^\s+at /m); // one clear line, no stack trace
      expect(result.stdout).not.toContain('"event":"startup.completed"');
    });
  });

  it('first start in development with an empty database prints a demo key once', async () => {
    const databaseUrl = freshDatabase();
    // NODE_ENV=development and SEED_DEMO_TENANT unset (the helper never inherits it).
    const env = { NODE_ENV: 'development', DATABASE_URL: databaseUrl };

    server = await spawnServer(env);
    const keys = new Set(server.stdout().match(DEMO_KEY));
    expect(keys.size, server.stdout()).toBe(1);
    const [key] = [...keys] as [string];
    // Printed to the console for the operator, never into a JSON log line.
    for (const line of server
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'))) {
      expect(line).not.toContain(key);
    }

    const list = await httpRequest(`${server.baseUrl}/v1/users`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(list.status, list.body).toBe(200);
    expect(JSON.parse(list.body)).toEqual({
      object: 'list',
      data: [],
      has_more: false,
      next_cursor: null,
    });

    server.process.kill('SIGTERM');
    const firstExit = await server.waitForExit(10_000);
    expect(firstExit, server.stderr()).toEqual({ code: 0, signal: null });

    // Second start on the same database: the tenant exists, so no new key is minted or shown,
    // and the first screen says where to get another.
    server = await spawnServer(env);
    expect(server.stdout()).not.toMatch(/sk_(test|live)_/);
    expect(server.stdout()).not.toContain('Created demo tenant');
    expect(server.stdout()).toMatch(
      /Demo tenant acct_\w+ already exists .*create another key with `npm run keys -- create --tenant me`/,
    );
    expect(server.stdout()).toContain(`reference   ${server.baseUrl}/docs`);
    // The configuration dump is debug-level: not on the first screen at the default level.
    expect(server.stdout()).not.toContain('"event":"startup.config"');
    const again = await httpRequest(`${server.baseUrl}/v1/users`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(again.status, again.body).toBe(200);
  });

  describe('a taken port (a real listener holds it)', () => {
    let holder: NetServer | undefined;
    afterEach(async () => {
      holder?.close();
      if (holder) await once(holder, 'close');
      holder = undefined;
    });
    const occupy = async () => {
      const port = await freePort();
      holder = createServer().listen(port, '127.0.0.1');
      await once(holder, 'listening');
      return port;
    };
    const base = (databaseUrl: string) => ({
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      DATABASE_URL: databaseUrl,
      CURSOR_SECRET: 'cursor-secret-of-the-startup-test',
    });

    it.each(['development', 'production'])(
      'PORT taken (%s): one line naming PORT, exit 78, nothing created',
      async (nodeEnv) => {
        const databaseUrl = freshDatabase();
        const port = await occupy();
        const result = await runTs(['src/main.ts'], {
          ...base(databaseUrl),
          NODE_ENV: nodeEnv,
          PORT: String(port),
          METRICS_PORT: String(await freePort()),
        });
        expect(result.code, result.stderr).toBe(78);
        expect(result.stderr.trim().split('\n')).toEqual([
          `127.0.0.1:${port} is already in use by another process: set PORT to a free port (e.g. PORT=${port + 1} npm start) or stop what listens there.`,
        ]);
        expect(result.stdout).not.toMatch(/Created demo tenant|listening|startup\.completed/);
        expect(existsSync(databaseUrl), 'no database file is created').toBe(false);
      },
    );

    it('METRICS_PORT taken in production: exit 78 naming METRICS_PORT', async () => {
      const databaseUrl = freshDatabase();
      const metricsPort = await occupy();
      const result = await runTs(['src/main.ts'], {
        ...base(databaseUrl),
        NODE_ENV: 'production',
        PORT: String(await freePort()),
        METRICS_PORT: String(metricsPort),
      });
      expect(result.code, result.stderr).toBe(78);
      expect(result.stderr).toContain(`127.0.0.1:${metricsPort} is already in use`);
      expect(result.stderr).toContain('set METRICS_PORT to a free port');
      expect(result.stderr).not.toMatch(/^\s+at /m);
      expect(existsSync(databaseUrl)).toBe(false);
    });

    it('METRICS_PORT taken in development: warns and serves the API without /metrics', async () => {
      const databaseUrl = freshDatabase();
      const metricsPort = await occupy();
      server = await spawnServer({
        ...base(databaseUrl),
        NODE_ENV: 'development',
        METRICS_PORT: String(metricsPort),
      });
      expect(server.stderr()).toContain(
        `Warning: 127.0.0.1:${metricsPort} is already in use by another process: set METRICS_PORT to a free port`,
      );
      expect(server.stderr()).toContain('Running without the metrics listener.');
      expect(server.stdout()).toContain('metrics     not served (port taken)');
      expect(server.stdout()).toMatch(/Created demo tenant acct_/);
      expect((await httpRequest(`${server.baseUrl}/livez`)).status).toBe(200);
    });
  });

  describe('the keys CLI', () => {
    const keysCli = (args: string[], databaseUrl: string) =>
      runTs(['src/cli/keys.ts', ...args], { NODE_ENV: 'production', DATABASE_URL: databaseUrl });

    it('create --tenant acme prints the tenant, the key id and a test key', async () => {
      const result = await keysCli(['create', '--tenant', 'acme'], freshDatabase());
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(
        /^tenant acct_\S+\nkey_id key_\S+\napi_key sk_test_[0-9a-f]{60}\n$/,
      );
    });

    it('--mode live mints a live key', async () => {
      const result = await keysCli(
        ['create', '--tenant', 'acme', '--mode', 'live'],
        freshDatabase(),
      );
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^api_key sk_live_[0-9a-f]{60}$/m);
      expect(result.stdout).not.toContain('sk_test_');
    });

    it('a missing --tenant exits 64 with a usage line', async () => {
      const result = await keysCli(['create'], freshDatabase());
      expect(result.code).toBe(64); // EX_USAGE
      expect(result.stderr).toMatch(/^Usage: .*create --tenant <name>/m);
      expect(result.stdout).toBe('');
    });
  });
});
