import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';
import { README_PATH, TABLE_END, TABLE_START, withConfigTable } from '../../src/cli/config-docs.js';
import { configEntries, loadConfig, type Env } from '../../src/config/index.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** The names loadConfig() looks up in `env`, whether it succeeds or throws. */
function namesRead(env: Record<string, string>): Set<string> {
  const seen = new Set<string>();
  const recording = new Proxy(env, {
    get(target, name) {
      if (typeof name === 'string') seen.add(name);
      return target[name as string];
    },
  }) as Env;
  try {
    loadConfig(recording);
  } catch {
    // A rejected combination still shows which variables were consulted.
  }
  return seen;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((item) =>
    item.isDirectory()
      ? sourceFiles(join(dir, item.name))
      : item.name.endsWith('.ts')
        ? [join(dir, item.name)]
        : [],
  );
}

describe('README configuration table', () => {
  const readme = readFileSync(README_PATH, 'utf8');
  const table = readme.slice(readme.indexOf(TABLE_START), readme.indexOf(TABLE_END));

  it('is up to date with the entries in src/config/', () => {
    expect(readme, 'the README table is stale: run npm run docs:config').toBe(
      withConfigTable(readme),
    );
  });

  it('is laid out as Prettier lays it out, so `npm run lint` accepts the generated README', async () => {
    const options = await prettier.resolveConfig(README_PATH);
    expect(await prettier.format(readme, { ...options, parser: 'markdown' })).toBe(readme);
  });

  it('has one row with a type, a default and a doc for every entry, each named once', () => {
    const names = configEntries.map((entry) => entry.name);
    expect(new Set(names).size).toBe(names.length);
    for (const entry of configEntries) {
      expect(entry.type, entry.name).not.toBe('');
      expect(entry.defaultText, entry.name).not.toBe('');
      expect(entry.doc, entry.name).toMatch(/\S.*\.$/);
      expect(table, entry.name).toContain(`| \`${entry.name}\``);
    }
  });

  it('lists every variable the configuration reads, whichever branches are taken', () => {
    const documented = new Set(configEntries.map((entry) => entry.name));
    const environments: Record<string, string>[] = [
      {},
      { NODE_ENV: 'production', REDIS_URL: 'redis://127.0.0.1:6379' },
      { JWT_JWKS_URL: 'https://idp.example/jwks', JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' },
      { TLS_CERT_FILE: '/nonexistent/cert.pem', TLS_KEY_FILE: '/nonexistent/key.pem' },
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER_ARG: '0.5' },
    ];
    const read = new Set(environments.flatMap((env) => [...namesRead(env)]));
    expect([...read].filter((name) => !documented.has(name))).toEqual([]);
    // And every entry is read by some configuration (no documented variable is dead).
    expect([...documented].filter((name) => !read.has(name))).toEqual([]);
  });
});

describe('process.env', () => {
  /**
   * Configuration is read in src/config/ only, through its entries, so the README table is the
   * whole list. Outside our source, the OTLP exporter reads its own OTEL_EXPORTER_OTLP_* headers,
   * timeout and compression (documented with OTEL_EXPORTER_OTLP_ENDPOINT).
   */
  const ALLOWED: Record<string, string> = {};

  it('is read for configuration in src/config/ only', () => {
    const readers = sourceFiles(SRC)
      .map((file) => relative(SRC, file))
      .filter((file) => !file.startsWith('config/') && !(file in ALLOWED))
      .filter((file) =>
        /process\s*\.\s*env|process\s*\[\s*['"]env/.test(readFileSync(join(SRC, file), 'utf8')),
      );
    expect(readers).toEqual([]);
  });
});
