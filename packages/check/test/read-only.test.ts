import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, readBody, type Fixture } from './fixtures/listen.js';
import { check } from './support/check.js';

/*
 * Read-only means read-only: a recording server that accepts everything (200 to any method on any
 * path, storing whatever is POSTed or PUT, like a lenient real API would) must see nothing but
 * GET, HEAD and OPTIONS from a run without --allow-writes, whatever the run was told about the API.
 */
const SPEC = {
  openapi: '3.0.3',
  info: { title: 'Accepts everything', version: '1.0.0' },
  paths: {
    '/items': {
      get: {
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer' } }],
        responses: {
          '200': {
            description: 'items',
            content: { 'application/json': { schema: { type: 'array', items: {} } } },
          },
        },
      },
      post: {
        requestBody: {
          content: {
            'application/json': {
              schema: { type: 'object', properties: { name: { type: 'string' } } },
              example: { name: 'x' },
            },
          },
        },
        responses: { '201': { description: 'created' } },
      },
    },
    '/items/{id}': {
      get: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'item' } },
      },
      put: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'replaced' } },
      },
      patch: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'updated' } },
      },
      delete: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '204': { description: 'deleted' } },
      },
    },
  },
};

let server: Fixture;
let dir: string;
const stored: unknown[] = [{ id: 1, name: 'one' }];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'steadfast-check-readonly-'));
  writeFileSync(join(dir, 'openapi.json'), JSON.stringify(SPEC));
  server = await listen(async (req, res) => {
    const body = await readBody(req, 2 * 1024 * 1024);
    const path = (req.url ?? '/').split('?')[0]!;
    res.setHeader('content-type', 'application/json');
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      // The lenient API: whatever arrives is a new record.
      const record = { id: stored.length + 1, body: body?.slice(0, 100) ?? null };
      stored.push(record);
      res.end(JSON.stringify(record));
      return;
    }
    if (path === '/openapi.json') res.end(JSON.stringify(SPEC));
    else if (path.startsWith('/items/')) res.end(JSON.stringify(stored[0]));
    else res.end(JSON.stringify(stored));
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Methods the server received since `from`, other than GET/HEAD/OPTIONS. */
function unsafeSince(from: number): string[] {
  return server.received
    .slice(from)
    .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method))
    .map((r) => `${r.method} ${r.path}`);
}

describe('read-only mode against a server that accepts everything', () => {
  const runs: [string, () => Record<string, unknown>][] = [
    ['no flags (the document is discovered)', () => ({})],
    ['--resource /items', () => ({ resources: ['/items'] })],
    ['--openapi <url>', () => ({ openapi: [`${server.url}/openapi.json`] })],
    [
      '--openapi <file> --resource /items',
      () => ({
        openapi: [join(dir, 'openapi.json')],
        resources: ['/items'],
      }),
    ],
    ['--auth and --auth-b', () => ({ auth: 'Bearer a', authB: 'Bearer b' })],
  ];
  for (const [name, overrides] of runs) {
    it(`sends only GET, HEAD and OPTIONS: ${name}`, async () => {
      const from = server.received.length;
      const before = stored.length;
      const report = await check(server.url, { burst: 20, ...overrides() });
      expect(server.received.length).toBeGreaterThan(from);
      expect(unsafeSince(from)).toEqual([]);
      expect(stored.length).toBe(before);
      // The probes that need a body say why they did not run.
      const byId = Object.fromEntries(report.probes.map((p) => [p.id, p]));
      for (const id of ['errors.malformed-json', 'input.content-type', 'input.body-limit']) {
        expect(byId[id]!.status, id).toBe('na');
        expect(byId[id]!.summary).toMatch(/--allow-writes/);
      }
    });
  }
});
