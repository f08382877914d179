import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { listen, readBody, type Fixture } from './fixtures/listen.js';
import { check } from './support/check.js';

/*
 * Verdicts must rest on positive evidence and say exactly what was seen. Each fixture below is a
 * small server reproducing one way a real API was misjudged.
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

const ITEMS = [
  { id: 1, name: 'a' },
  { id: 2, name: 'b' },
];

/** The one probe's result of a run limited to it. */
async function probe(url: string, id: string, overrides = {}) {
  const report = await check(url, { resources: ['/items'], only: [id], ...overrides });
  return report.probes.find((p) => p.id === id)!;
}

const writesOn = (url: string) => ({ allowWrites: true, allowWritesOn: [new URL(url).host] });

describe('observability.traceparent', () => {
  it('is n/a, not a pass, when nothing shows the trace was continued', async () => {
    const api = await serve((req, res) => json(res, 200, ITEMS));
    const result = await probe(api.url, 'observability.traceparent');
    expect(result.status).toBe('na');
    expect(result.summary).toMatch(/no answer shows the trace was continued/);
  });

  it('passes when the trace id comes back (here quoted in an error body)', async () => {
    const api = await serve((req, res) => {
      if (req.url === '/items') return json(res, 200, ITEMS);
      const trace = /^00-([0-9a-f]{32})-/.exec(String(req.headers.traceparent ?? ''))?.[1];
      json(res, 404, { title: 'Not Found', trace_id: trace });
    });
    const result = await probe(api.url, 'observability.traceparent');
    expect(result.status).toBe('pass');
    expect(result.details.join('\n')).toMatch(/the body quotes the client's trace id/);
  });
});

describe('errors.no-leaks', () => {
  it('does not count a Server header without a version (the rule is name AND version)', async () => {
    const api = await serve((req, res) => json(res, 200, ITEMS, { server: 'gunicorn' }));
    expect((await probe(api.url, 'errors.no-leaks')).status).toBe('pass');
    const versioned = await serve((req, res) =>
      json(res, 200, ITEMS, { server: 'gunicorn/21.2.0' }),
    );
    const result = await probe(versioned.url, 'errors.no-leaks');
    expect(result.status).toBe('fail');
    expect(result.details.join('\n')).toMatch(/server: gunicorn\/21\.2\.0/);
  });

  it('counts summary and details from the same responses', async () => {
    // Only the quoted-id provocation leaks a stack trace; every other answer is clean.
    const api = await serve((req, res) => {
      if ((req.url ?? '').includes('%27')) {
        return json(res, 400, { error: 'bad id\n    at parse (/srv/app/ids.js:3:9)' });
      }
      json(res, 200, ITEMS);
    });
    const result = await probe(api.url, 'errors.no-leaks');
    expect(result.status).toBe('fail');
    const scanned = /^a JavaScript stack trace: in 1 of the (\d+) responses scanned$/.exec(
      result.summary,
    )?.[1];
    expect(scanned, result.summary).toBeDefined();
    expect(Number(scanned)).toBeGreaterThan(4);
    expect(result.details).toHaveLength(1);
    expect(result.details[0]).toMatch(
      new RegExp(`^a JavaScript stack trace in 1 of ${scanned} response\\(s\\)`),
    );
  });
});

describe('auth.required', () => {
  it('sends well-formed invalid credentials, and a 400 for a malformed one is no auth failure', async () => {
    const seen: string[] = [];
    const api = await serve((req, res) => {
      const header = req.headers.authorization;
      if (header) seen.push(header);
      const basic = /^Basic (\S+)$/.exec(header ?? '')?.[1];
      if (basic !== undefined && !Buffer.from(basic, 'base64').toString().includes(':')) {
        return json(res, 400, { title: 'malformed Basic credential' });
      }
      if (header !== 'Basic dXNlcjpwYXNz') {
        return json(res, 401, { title: 'Unauthorized' }, { 'www-authenticate': 'Basic realm="x"' });
      }
      json(res, 200, ITEMS);
    });
    const result = await probe(api.url, 'auth.required', { auth: 'Basic user:pass' });
    expect(result.status, result.details.join('\n')).toBe('pass');
    const made = seen.find((value) => value !== 'Basic dXNlcjpwYXNz')!;
    expect(Buffer.from(made.slice(6), 'base64').toString()).toMatch(/^probe:wrong-/);
  });

  it('is not failed by a 400 for a credential the API finds malformed', async () => {
    const api = await serve((req, res) => {
      const header = req.headers.authorization;
      if (!header) {
        return json(res, 401, { title: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
      }
      if (header !== 'Bearer sk_live_abcdefghijklmnop')
        return json(res, 400, { title: 'bad token' });
      json(res, 200, ITEMS);
    });
    const result = await probe(api.url, 'auth.required', {
      auth: 'Bearer sk_live_abcdefghijklmnop',
    });
    expect(result.status).toBe('pass');
    expect(result.details.join('\n')).toMatch(/refused as a bad request/);
  });
});

describe('refusals are judged by what the answer says, not by the status alone', () => {
  it('input.body-limit: a 400 saying "request entity too large" is a refusal that warns', async () => {
    const api = await serve(async (req, res) => {
      if (req.method === 'POST') {
        const body = await readBody(req, 64 * 1024);
        if (body === undefined) return json(res, 400, { message: 'request entity too large' });
        return json(res, 400, { message: 'invalid JSON' });
      }
      json(res, 200, ITEMS);
    });
    const result = await probe(api.url, 'input.body-limit', writesOn(api.url));
    expect(result.status).toBe('warn');
    expect(result.summary).toMatch(/says "request entity too large".*413/);
  });

  it('input.content-type: a 400 refusal warns; a 2xx fails', async () => {
    const refusing = await serve((req, res) =>
      req.method === 'POST' ? json(res, 400, { message: 'expected JSON' }) : json(res, 200, ITEMS),
    );
    expect((await probe(refusing.url, 'input.content-type', writesOn(refusing.url))).status).toBe(
      'warn',
    );
    const accepting = await serve((req, res) =>
      json(res, req.method === 'POST' ? 201 : 200, ITEMS),
    );
    expect((await probe(accepting.url, 'input.content-type', writesOn(accepting.url))).status).toBe(
      'fail',
    );
  });
});

describe('ratelimit.burst reads the policy the GETs spend', () => {
  it('is n/a (not a failed burst) when the GET policy is out of reach and only the writes policy is small', async () => {
    let left = 1200;
    const api = await serve((req, res) => {
      left -= 1;
      json(res, 200, ITEMS, {
        'ratelimit-policy': '"api_key";q=1200;w=60, "api_key_writes";q=30;w=60',
        ratelimit: `"api_key";r=${left};t=60, "api_key_writes";r=30;t=60`,
      });
    });
    const result = await probe(api.url, 'ratelimit.burst', { burst: 150 });
    expect(result.status, result.summary).toBe('na');
    expect(result.summary).toMatch(/counts these requests against api_key .* left, more than/);
    expect(result.requests).toBe(2);
  });
});

describe('ratelimit.burst at a pace the limit refills', () => {
  it('is n/a when no advertised count goes down, rather than a failed burst', async () => {
    const api = await serve((req, res) =>
      json(res, 200, ITEMS, {
        'ratelimit-policy': '"api_key";q=1200;w=60',
        ratelimit: '"api_key";r=1199;t=0',
      }),
    );
    const result = await probe(api.url, 'ratelimit.burst', { burst: 150, rps: 20 });
    expect(result.status, result.summary).toBe('na');
    expect(result.summary).toMatch(/no count went down over 4 requests at --rps 20/);
    expect(result.requests).toBe(4);
  });
});

describe('security.internal-endpoints', () => {
  it('does not count a single-page app’s catch-all page as exposed endpoints', async () => {
    const index = '<!doctype html><html><body><div id="root"></div></body></html>';
    const api = await serve((req, res) => {
      if (req.url?.startsWith('/items')) return json(res, 200, ITEMS);
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(index);
    });
    const result = await probe(api.url, 'security.internal-endpoints');
    expect(result.status).toBe('pass');
    expect(result.details.join('\n')).toMatch(/same page as an unknown path/);
    const metrics = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(req.url === '/metrics' ? '# HELP up 1\nup 1\n' : index);
    });
    const exposed = await probe(metrics.url, 'security.internal-endpoints');
    expect(exposed.status).toBe('fail');
    expect(exposed.summary).toMatch(/^1 internal endpoint/);
  });
});

describe('observability.health', () => {
  it('does not take a catch-all page for a health endpoint', async () => {
    const api = await serve((req, res) => {
      if (req.url === '/health') return json(res, 200, { health: 'GOOD' });
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><div id="app"></div>');
    });
    const result = await probe(api.url, 'observability.health');
    expect(result.status).toBe('pass');
    expect(result.summary).toBe('/health answers 200 without credentials');
    expect(result.details.join('\n')).toMatch(/\/livez → 200 \(the catch-all page/);
  });
});

describe('caching.etag', () => {
  it('falls back to the collection when the item path guessed from the list does not exist', async () => {
    const api = await serve((req, res) => {
      if (req.url !== '/items') return json(res, 404, { title: 'Not Found' });
      if (req.headers['if-none-match'] === '"v1"') {
        res.writeHead(304, { etag: '"v1"' });
        return res.end();
      }
      json(res, 200, ['alpha', 'beta'], { etag: '"v1"' });
    });
    const result = await probe(api.url, 'caching.etag');
    expect(result.status, result.summary).toBe('pass');
    expect(api.received.map((r) => r.path)).toContain('/items/alpha');
  });
});

describe('observability.request-id', () => {
  it('does not call a 200 page an error', async () => {
    const api = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html></html>');
    });
    const result = await probe(api.url, 'observability.request-id');
    expect(result.details.join('\n')).toMatch(/→ 200: the answer to an unknown path carries no/);
    expect(result.details.join('\n')).not.toMatch(/the error/);
  });
});
