import { afterEach, describe, expect, it } from 'vitest';
import { httpRequest, runTs, spawnServer, tempDatabase, type Server } from '../support/process.js';

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

    // Second start on the same database: the tenant exists, so no new key is minted or shown.
    server = await spawnServer(env);
    expect(server.stdout()).not.toMatch(/sk_(test|live)_/);
    expect(server.stdout()).not.toContain('Created demo tenant');
    const again = await httpRequest(`${server.baseUrl}/v1/users`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(again.status, again.body).toBe(200);
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
