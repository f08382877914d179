import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DOCUMENTED_BASE,
  fragmentDifferences,
  jsonDifferences,
  sameText,
  stepsOf,
  type Example,
  type Step,
} from '../support/doc-examples.js';
import { API_DIR, createKey, spawnServer, tempDatabase, type Server } from '../support/process.js';

const run = promisify(execFile);
const ROOT = join(API_DIR, '..', '..');

/**
 * Executable documentation (issue 16): every shell example in README.md and docs/*.md that talks
 * to the API runs, in order, page by page, against one freshly started server (a real process on
 * SQLite), through real bash and curl, with the variables the text tells the reader to set. Each
 * shown response is compared with the real one: the status, the headers the text shows, and the
 * JSON's shape and stable values (ids, keys, timestamps, cursors masked). A page that drifts from
 * the API fails here, naming the line.
 *
 * Each page has its own tenant (the README the demo tenant the first start prints, the others one
 * made with the keys CLI), so no page collides with another's emails or lists.
 */
const PAGES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
]
  .map((page) => ({ page, steps: stepsOf(readFileSync(join(ROOT, page), 'utf8')) }))
  .filter(({ steps }) => steps.some((step) => step.kind === 'run'));

/** What a page takes for granted from the pages a reader follows before it, made through the API. */
const PRECONDITIONS: Record<string, (api: Api) => Promise<Record<string, string>>> = {
  // "The last page": a list of more than `limit=2` users.
  'docs/pagination.md': async (api) => {
    for (const name of ['ada', 'grace', 'alan'])
      await api('POST', '/v2/users', { email: `${name}@example.com`, name });
    return {};
  },
  // An unpaid order to pay (getting started, steps 2 and 3).
  'docs/idempotency.md': async (api) => {
    const user = await api('POST', '/v2/users', { email: 'ada@example.com', name: 'Ada' });
    const order = await api('POST', '/v2/orders', {
      user_id: user.id,
      items: [{ name: 'Pen', quantity: 1, unit_price_money: { amount: 250, currency: 'EUR' } }],
    });
    return { ORDER_ID: String(order.id) };
  },
};

type Api = (method: string, path: string, body?: object) => Promise<Record<string, unknown>>;

interface Received {
  status?: number;
  headers: Record<string, string>;
  body: string;
}

/** The last response curl dumped with -D (a block may send several; the page shows the last). */
function parseDump(dump: string): Pick<Received, 'status' | 'headers'> {
  const blocks = dump.trim().split(/\r?\n\r?\n/);
  const [statusLine, ...lines] = (blocks.at(-1) ?? '').split(/\r?\n/);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(statusLine ?? '')?.[1]);
  return { ...(Number.isFinite(status) ? { status } : {}), headers };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Differences between what the page shows after `example` and what the server answered. */
function differences(example: Example, received: Received, base: string): string[] {
  const shownText = (text: string) => text.replaceAll(DOCUMENTED_BASE, base);
  const found: string[] = [];
  const { http } = example;
  if (http) {
    if (received.status !== http.status)
      found.push(`status: shown ${http.status}, got ${received.status}`);
    for (const [name, value] of Object.entries(http.headers)) {
      const actual = received.headers[name];
      if (actual === undefined) found.push(`header ${name}: shown, not sent`);
      else if (!sameText(shownText(value), actual))
        found.push(`header ${name}: shown ${value}, got ${actual}`);
    }
  }
  for (const shown of [http?.body, example.json]) {
    if (shown === undefined) continue;
    const actual = parseJson(received.body);
    const expected = parseJson(shownText(shown));
    found.push(
      ...(expected === undefined
        ? fragmentDifferences(shownText(shown), actual)
        : jsonDifferences(expected, actual)),
    );
  }
  return found;
}

describe('executable documentation: every example that talks to the API runs as shown', () => {
  let server: Server;
  let database: { url: string; remove: () => void };
  let scratch: string;

  beforeAll(async () => {
    database = tempDatabase();
    scratch = mkdtempSync(join(tmpdir(), 'steadfast-docs-'));
    // Development, as `npm start`: the first start creates the demo tenant and prints its key.
    server = await spawnServer({ NODE_ENV: 'development', DATABASE_URL: database.url });
  }, 60_000);

  afterAll(async () => {
    await server?.kill();
    database?.remove();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const apiFor =
    (key: string): Api =>
    async (method, path, body) => {
      const response = await fetch(`${server.baseUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body ?? {}),
      });
      const json = (await response.json()) as Record<string, unknown>;
      if (!response.ok)
        throw new Error(`${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
      return json;
    };

  /** Runs one page's steps in order; returns every difference, each naming its line. */
  async function runPage(page: string, steps: Step[], key: string): Promise<string[]> {
    const variables: Record<string, string> = {
      API: server.baseUrl,
      KEY: key,
      ...(await PRECONDITIONS[page]?.(apiFor(key))),
    };
    const latestId = new Map<string, string>();
    let latestCursor: string | undefined;
    const remember = (json: unknown) => {
      if (!json || typeof json !== 'object') return;
      const record = json as Record<string, unknown>;
      if (typeof record.id === 'string') latestId.set(record.id.split('_')[0]!, record.id);
      const pagination = record.pagination as Record<string, unknown> | undefined;
      const cursor = record.next_cursor ?? pagination?.next_cursor;
      if (typeof cursor === 'string') latestCursor = cursor;
    };
    /** The value the text means ("the key printed above", "the id from your response"). */
    const resolve = (name: string, shown: string): string => {
      if (name === 'KEY') return key;
      if (shown.startsWith(DOCUMENTED_BASE)) return shown.replace(DOCUMENTED_BASE, server.baseUrl);
      if (name.endsWith('CURSOR') && latestCursor) return latestCursor;
      const prefix = /^([a-z]+)_/.exec(shown)?.[1];
      return (prefix && latestId.get(prefix)) || shown;
    };

    const problems: string[] = [];
    for (const step of steps) {
      if (step.kind === 'set') {
        variables[step.name] = resolve(step.name, step.shown);
        continue;
      }
      const where = `${page}:${step.line}`;
      const dump = join(scratch, 'headers');
      rmSync(dump, { force: true });
      // Real bash and curl, as the reader runs them; curl also dumps the headers it received.
      const script = `curl() { command curl -D "$DOC_HEADERS" "$@"; }\n${step.script.replaceAll(DOCUMENTED_BASE, server.baseUrl)}`;
      let stdout: string;
      let stderr: string;
      try {
        ({ stdout, stderr } = await run('bash', ['-c', script], {
          cwd: ROOT,
          env: { ...process.env, ...variables, DOC_HEADERS: dump, DATABASE_URL: database.url },
          timeout: 30_000,
        }));
      } catch (error) {
        problems.push(`${where}: the example failed to run: ${(error as Error).message}`);
        continue;
      }
      // A tool the reader may not have (e.g. `$(uuidgen)` in a header) fails only inside a
      // command substitution, which bash does not report through the exit status.
      for (const line of stderr.split('\n').filter((l) => /command not found/.test(l)))
        problems.push(`${where}: the example needs a command the reader may not have: ${line}`);
      const { status, headers } = existsSync(dump)
        ? parseDump(readFileSync(dump, 'utf8'))
        : { headers: {} };
      const body = stdout.startsWith('HTTP/')
        ? stdout
            .split(/\r?\n\r?\n/)
            .slice(1)
            .join('\n\n')
        : stdout;
      remember(parseJson(body));
      problems.push(
        ...differences(step, { ...(status ? { status } : {}), headers, body }, server.baseUrl).map(
          (difference) => `${where}: ${difference}`,
        ),
      );
    }
    return problems;
  }

  it('finds the examples (a sanity check that the parser sees the pages)', () => {
    const pages = PAGES.map(({ page }) => page);
    expect(pages).toEqual(expect.arrayContaining(['README.md', 'docs/getting-started.md']));
    const readme = PAGES.find(({ page }) => page === 'README.md')!.steps;
    expect(readme.filter((step) => step.kind === 'run').length).toBeGreaterThan(10);
  });

  it.each(PAGES)(
    '$page',
    async ({ page, steps }) => {
      // The README follows `npm start` on an empty database: its key is the demo key printed.
      const key =
        page === 'README.md'
          ? /sk_test_[0-9a-f]{60}/.exec(server.stdout())![0]
          : await createKey(database.url, page);
      const problems = await runPage(page, steps, key);
      expect(problems, `\n${problems.join('\n')}\n`).toEqual([]);
    },
    120_000,
  );
});
