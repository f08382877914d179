import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, readBody, type Fixture } from './fixtures/listen.js';
import { check } from './support/check.js';

/*
 * How the run learns about an API: where its document is, which collection answers live, and
 * whether a create really created something. Each fixture reproduces a real API that was misjudged.
 */
const open: Fixture[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((f) => f.close()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => unknown) {
  const fixture = await listen(handler);
  open.push(fixture);
  return fixture;
}

function json(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const listOf = (schema: object = {}) => ({
  '200': {
    description: 'a list',
    content: { 'application/json': { schema: { type: 'array', items: schema } } },
  },
});

const ITEM = {
  type: 'object',
  required: ['name'],
  properties: { id: { type: 'integer' }, name: { type: 'string' } },
};

function spec(paths: Record<string, unknown>) {
  return { openapi: '3.0.3', info: { title: 'fixture', version: '1' }, paths };
}

describe('where the document is (RFC 8631, RFC 9727, root links)', () => {
  const document = spec({ '/items': { get: { responses: listOf() } } });
  const serveAt = (path: string, extra: (req: IncomingMessage, res: ServerResponse) => boolean) =>
    serve((req, res) => {
      if (req.url === path) return json(res, 200, document);
      if (extra(req, res)) return;
      if (req.url === '/items') return json(res, 200, [{ id: 1 }]);
      json(res, 404, { title: 'Not Found' });
    });

  it('follows Link: rel="service-desc" on the base URL', async () => {
    const api = await serveAt('/meta/description', (req, res) => {
      if (req.url !== '/') return false;
      json(res, 200, {}, { link: '</meta/description>; rel="service-desc"' });
      return true;
    });
    const report = await check(api.url, { only: ['docs.openapi'] });
    expect(report.documents).toEqual([`${api.url}/meta/description`]);
    // Found first, so none of the usual paths was tried.
    expect(api.received.filter((r) => r.path.endsWith('openapi.json'))).toEqual([]);
  });

  it('reads the service-desc links of /.well-known/api-catalog', async () => {
    const api = await serveAt('/catalogued/desc.yaml', (req, res) => {
      if (req.url !== '/.well-known/api-catalog') return false;
      res.writeHead(200, { 'content-type': 'application/linkset+json' });
      res.end(
        JSON.stringify({
          linkset: [{ anchor: '/', 'service-desc': [{ href: '/catalogued/desc.yaml' }] }],
        }),
      );
      return true;
    });
    const report = await check(api.url, { only: ['docs.openapi'] });
    expect(report.documents).toEqual([`${api.url}/catalogued/desc.yaml`]);
  });

  it('follows a link to the document in the root answer, and lists every path tried', async () => {
    const api = await serveAt('/reference/openapi-v3.json', (req, res) => {
      if (req.url !== '/') return false;
      json(res, 200, { name: 'fixture', links: { docs: '/reference/openapi-v3.json' } });
      return true;
    });
    const report = await check(api.url, { only: ['docs.openapi'] });
    expect(report.documents).toEqual([`${api.url}/reference/openapi-v3.json`]);
    const details = report.probes.find((p) => p.id === 'docs.openapi')!.details.join('\n');
    expect(details).toMatch(/linked from the root answer/);
  });

  it('bounds the search and lists what it tried when there is no document', async () => {
    const api = await serve((req, res) => json(res, 404, { title: 'Not Found' }));
    const report = await check(api.url, { only: ['docs.openapi'] });
    expect(report.documents).toEqual([]);
    const fetched = api.received.filter((r) => r.path !== '/').length;
    expect(fetched).toBeLessThanOrEqual(25);
    const details = report.probes.find((p) => p.id === 'docs.openapi')!.details.join('\n');
    expect(details).toMatch(/api-catalog/);
    expect(details).toMatch(/\/openapi\.json/);
  });
});

describe("a base URL that ends in the prefix the document's paths carry", () => {
  it('sends /api/items, not /api/api/items, and says so', async () => {
    const api = await serve((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/api/openapi.json') {
        return json(res, 200, spec({ '/api/items': { get: { responses: listOf() } } }));
      }
      if (path === '/api/items') return json(res, 200, [{ id: 1 }]);
      json(res, 404, { title: 'Not Found' });
    });
    const report = await check(`${api.url}/api`, { only: ['caching.etag', 'errors.no-leaks'] });
    expect(api.received.filter((r) => r.path.startsWith('/api/api'))).toEqual([]);
    expect(report.notes.join('\n')).toMatch(/already starts with the base URL's path \/api/);
    expect(report.notes.join('\n')).toMatch(/collection used: \/items/);
  });
});

describe('a documented collection that does not answer live', () => {
  it('is confirmed and skipped; the collection used is named in the report', async () => {
    const api = await serve((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/openapi.json') {
        return json(
          res,
          200,
          spec({
            '/auth/sessions': { get: { responses: listOf() } },
            '/widgets': { get: { responses: listOf() } },
            '/items': { get: { responses: listOf() } },
          }),
        );
      }
      if (path === '/items') {
        if (req.headers['if-none-match'] === '"v1"') {
          res.writeHead(304, { etag: '"v1"' });
          return res.end();
        }
        return json(res, 200, [{ id: 1 }], { etag: '"v1"' });
      }
      if (path === '/auth/sessions') return json(res, 200, []);
      json(res, 404, { title: 'Not Found' });
    });
    const report = await check(api.url, { only: ['caching.etag'] });
    expect(report.notes.join('\n')).toMatch(
      /collection used: \/items \(answers 2xx with a list; .*tried \/widgets → 404, \/items → 200/,
    );
    const etag = report.probes.find((p) => p.id === 'caching.etag')!;
    expect(etag.status, etag.summary).toBe('pass');
  });
});

describe('idempotency.replay judged by records, not status codes', () => {
  /** A create endpoint whose body is "one item or an array of items". */
  const oneOrMany = spec({
    '/items': {
      get: { responses: listOf(ITEM) },
      post: {
        requestBody: {
          content: {
            'application/json': { schema: { oneOf: [{ type: 'array', items: ITEM }, ITEM] } },
          },
        },
        responses: { '201': { description: 'created' } },
      },
    },
    '/items/{id}': {
      delete: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '204': { description: 'gone' } },
      },
    },
  });

  /** Stores records; `replays` decides what a repeated Idempotency-Key does. */
  async function itemsApi(replays: 'ignore' | 'same-id-but-copies') {
    const records: { id: number; name: string }[] = [];
    const byKey = new Map<string, string>();
    return serve(async (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/openapi.json') return json(res, 200, oneOrMany);
      if (req.method === 'DELETE') {
        const id = Number(path.split('/').pop());
        const at = records.findIndex((r) => r.id === id);
        if (at >= 0) records.splice(at, 1);
        res.writeHead(204);
        return res.end();
      }
      if (req.method === 'POST' && path === '/items') {
        const body = JSON.parse((await readBody(req)) ?? 'null') as unknown;
        // An array creates one record per element: `[]` creates nothing.
        if (Array.isArray(body)) return json(res, 200, { data: [] });
        const { name } = body as { name: string };
        const key = String(req.headers['idempotency-key'] ?? '');
        const record = { id: records.length + 100, name };
        records.push(record);
        if (replays === 'same-id-but-copies' && byKey.has(key)) {
          return res.writeHead(201, { 'content-type': 'application/json' }).end(byKey.get(key));
        }
        const answer = JSON.stringify(record);
        byKey.set(key, answer);
        return res.writeHead(201, { 'content-type': 'application/json' }).end(answer);
      }
      if (path === '/items') return json(res, 200, records);
      json(res, 404, { title: 'Not Found' });
    });
  }

  const run = async (api: Fixture) => {
    const report = await check(api.url, {
      only: ['idempotency.replay'],
      allowWrites: true,
      allowWritesOn: [new URL(api.url).host],
    });
    return report.probes.find((p) => p.id === 'idempotency.replay')!;
  };

  it('sends the object variant of oneOf, and fails an API that creates twice', async () => {
    const api = await itemsApi('ignore');
    const result = await run(api);
    expect(result.status, result.summary).toBe('fail');
    expect(result.details.join('\n')).toMatch(/the replay created a second record/);
    const posts = api.received.filter((r) => r.method === 'POST');
    expect(posts.length).toBeGreaterThanOrEqual(2);
  });

  it('fails a replay that answers the same id but stores a copy', async () => {
    const api = await itemsApi('same-id-but-copies');
    const result = await run(api);
    expect(result.status, result.summary).toBe('fail');
    expect(result.details.join('\n')).toMatch(/2 records in \/items carry this run's value/);
  });

  it('is n/a when the first create names no record', async () => {
    const api = await serve(async (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/openapi.json') {
        return json(
          res,
          200,
          spec({ '/items': (oneOrMany.paths as Record<string, object>)['/items'] }),
        );
      }
      if (req.method === 'POST') {
        await readBody(req);
        return json(res, 200, { data: [] });
      }
      json(res, 200, []);
    });
    const result = await run(api);
    expect(result.status, `${result.summary}\n${result.details.join('\n')}`).toBe('na');
    expect(result.summary).toMatch(/names no created record/);
  });
});

describe('Swagger 2.0 and external $refs', () => {
  const swagger = {
    swagger: '2.0',
    info: { title: 'fixture', version: '1' },
    basePath: '/',
    produces: ['application/json'],
    paths: {
      '/items': {
        get: {
          parameters: [{ name: 'limit', in: 'query', type: 'integer' }],
          responses: {
            '200': {
              description: 'items',
              schema: { type: 'array', items: { $ref: '#/definitions/Item' } },
            },
          },
        },
        post: {
          parameters: [
            { name: 'body', in: 'body', required: true, schema: { $ref: '#/definitions/Item' } },
          ],
          responses: { '201': { description: 'created' } },
        },
      },
    },
    definitions: ITEM_DEFINITIONS(),
  };

  it('reads a Swagger 2.0 document after converting it, and warns', async () => {
    const api = await serve((req, res) => {
      if (req.url === '/swagger.json') return json(res, 200, swagger);
      if (req.url === '/items') return json(res, 200, [{ id: 1, name: 'a' }]);
      json(res, 404, { title: 'Not Found' });
    });
    const report = await check(api.url, { only: ['docs.openapi', 'spec.examples'] });
    expect(report.documents).toEqual([`${api.url}/swagger.json`]);
    const byId = Object.fromEntries(report.probes.map((p) => [p.id, p]));
    expect(byId['docs.openapi']!.status).toBe('warn');
    expect(byId['docs.openapi']!.summary).toMatch(/read after conversion to OpenAPI 3\.0/);
    // The static probes read the converted document: it has no examples.
    expect(byId['spec.examples']!.status).toBe('fail');
    expect(report.notes.join('\n')).toMatch(/collection used: \/items/);
  });

  it('bundles external $refs of a remote document, fetched through the run', async () => {
    const api = await serve((req, res) => {
      if (req.url === '/openapi.json') {
        return json(
          res,
          200,
          spec({
            '/items': {
              get: {
                responses: {
                  '200': {
                    description: 'items',
                    content: {
                      'application/json': {
                        schema: { type: 'array', items: { $ref: 'schemas/item.json#/Item' } },
                      },
                    },
                  },
                },
              },
            },
          }),
        );
      }
      if (req.url === '/schemas/item.json') return json(res, 200, { Item: ITEM });
      if (req.url === '/items') return json(res, 200, [{ id: 1, name: 'a' }]);
      json(res, 404, { title: 'Not Found' });
    });
    const report = await check(api.url, { only: ['docs.openapi', 'spec.naming'] });
    expect(report.documents).toEqual([`${api.url}/openapi.json`]);
    expect(api.received.some((r) => r.path === '/schemas/item.json')).toBe(true);
    expect(report.notes.join('\n')).toMatch(/collection used: \/items/);
  });
});

function ITEM_DEFINITIONS() {
  return { Item: ITEM };
}

describe('learning a collection without a document', () => {
  /** A registry-like API under /v2: a list of names, `n` as the page size, Link rel="next". */
  async function registry() {
    const names = ['alpha', 'beta', 'gamma'];
    return serve((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/v2/_catalog')
        return json(res, 404, { errors: [{ code: 'NOT_FOUND' }] });
      const n = Number(url.searchParams.get('n') ?? names.length);
      const last = url.searchParams.get('last');
      const from = last ? names.indexOf(last) + 1 : 0;
      const page = names.slice(from, from + n);
      const more = from + n < names.length;
      json(
        res,
        200,
        { repositories: page },
        more ? { link: `</v2/_catalog?last=${page.at(-1)}&n=${n}>; rel="next"` } : {},
      );
    });
  }

  it('discovers the page-size parameter, follows Link rel="next" and reads a list of names', async () => {
    const api = await registry();
    const report = await check(`${api.url}/v2`, {
      resources: ['/_catalog'],
      only: ['pagination.limit', 'pagination.walk', 'versioning.version-present'],
    });
    const byId = Object.fromEntries(report.probes.map((p) => [p.id, p]));
    expect(report.notes.join('\n')).toMatch(
      /page size parameter: n \(discovered: GET \/_catalog\?n=1 returned 1 of 3 items\)/,
    );
    expect(byId['pagination.walk']!.status, byId['pagination.walk']!.summary).toBe('pass');
    expect(byId['pagination.limit']!.details.join('\n')).toMatch(/n=1 → 200: 1 item/);
    expect(byId['versioning.version-present']!.status).toBe('pass');
    // Without a known collection, the version in the base URL still counts.
    const bare = await check(`${api.url}/v2`, { only: ['versioning.version-present'] });
    expect(bare.probes[0]!.summary).toMatch(/the base URL carries the version \(\/v2\)/);
  });

  it('takes the page-size parameter from --page-param', async () => {
    const api = await registry();
    const report = await check(`${api.url}/v2`, {
      resources: ['/_catalog'],
      pageParam: 'n',
      only: ['pagination.limit'],
    });
    expect(report.notes.join('\n')).toMatch(/page size parameter: n \(given with --page-param\)/);
    expect(api.received.filter((r) => /[?&](limit|per_page)=/.test(r.path))).toEqual([]);
  });
});

describe('a uniqueness constraint the document does not state', () => {
  it('makes the fields a 409 names unique and creates again', async () => {
    const refs = new Set(['x']);
    const posted: string[] = [];
    const api = await serve(async (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/openapi.json') {
        return json(
          res,
          200,
          spec({
            '/items': {
              get: { responses: listOf() },
              post: {
                requestBody: {
                  content: {
                    'application/json': {
                      schema: { type: 'object', properties: { ref: { type: 'string' } } },
                      example: { ref: 'x' },
                    },
                  },
                },
                responses: { '201': { description: 'created' } },
              },
            },
            '/items/{id}': {
              delete: {
                parameters: [
                  { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
                ],
                responses: { '204': { description: 'gone' } },
              },
            },
          }),
        );
      }
      if (req.method === 'POST') {
        const body = JSON.parse((await readBody(req)) ?? '{}') as Record<string, unknown>;
        posted.push(String(body.ref));
        if (refs.has(String(body.ref))) return json(res, 409, { detail: 'ref already exists' });
        const unknown = Object.keys(body).filter((k) => k !== 'ref');
        if (unknown.length > 0) return json(res, 400, { detail: `unknown ${unknown.join()}` });
        refs.add(String(body.ref));
        return json(res, 201, { id: refs.size, ref: body.ref });
      }
      if (req.method === 'DELETE') {
        res.writeHead(204);
        return res.end();
      }
      json(
        res,
        200,
        [...refs].map((ref, i) => ({ id: i + 1, ref })),
      );
    });
    const report = await check(api.url, {
      only: ['input.unknown-field'],
      allowWrites: true,
      allowWritesOn: [new URL(api.url).host],
    });
    const result = report.probes[0]!;
    expect(posted[0]).toBe('x');
    expect(posted[1]).toMatch(/^x-[0-9a-f]{8}$/);
    expect(result.status, result.summary).toBe('pass');
  });
});

describe('a collection nested under a record', () => {
  it('is used, its parameter filled from the parent list, when no plain collection answers', async () => {
    const api = await serve((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/openapi.json') {
        return json(
          res,
          200,
          spec({
            '/projects/{projectId}/features': {
              get: {
                parameters: [
                  { name: 'projectId', in: 'path', required: true, schema: { type: 'string' } },
                ],
                responses: listOf(),
              },
            },
          }),
        );
      }
      if (path === '/projects') return json(res, 200, { projects: [{ id: 'default' }] });
      if (path === '/projects/default/features') {
        if (req.headers['if-none-match'] === '"f1"') {
          res.writeHead(304, { etag: '"f1"' });
          return res.end();
        }
        return json(res, 200, { features: [{ name: 'flag' }] }, { etag: '"f1"' });
      }
      json(res, 404, { title: 'Not Found' });
    });
    const report = await check(api.url, { only: ['caching.etag'] });
    expect(report.notes.join('\n')).toMatch(
      /\/projects\/\{projectId\}\/features filled with default, the first record of \/projects/,
    );
    expect(report.probes[0]!.status, report.probes[0]!.summary).toBe('pass');
    expect(report.probes[0]!.summary).toMatch(/\/projects\/default\/features/);
  });
});
