import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../src/cli/main.js';
import { BudgetExhausted, RequestBudget } from '../src/http/budget.js';
import { AmbiguousCredential, invalidLike, parseCredential } from '../src/http/credentials.js';
import {
  advertisedRemaining,
  linkWithRel,
  parseLinks,
  retryAfterSeconds,
  spentRemaining,
} from '../src/http/headers.js';
import type { Operation } from '../src/openapi/document.js';
import { operationsOf } from '../src/openapi/document.js';
import { requestSample, uniquify } from '../src/openapi/samples.js';
import { patternIsBounded, unboundedInputs } from '../src/probes/documented/input-bounds.js';
import { styleOf } from '../src/probes/predictable/naming.js';
import { findLeaks } from '../src/probes/support/leaks.js';
import { problemIssues } from '../src/probes/support/problem.js';
import { variantOf } from '../src/probes/support/variant.js';
import type { Report } from '../src/report/report.js';
import { scoreOf } from '../src/report/score.js';
import { writesAllowed, WriteRefusal } from '../src/run/options.js';
import { optionsFor } from './support/check.js';

describe('header parsing', () => {
  it('reads RFC 8288 Link headers, several links and relation lists included', () => {
    const value =
      '<https://a.test/v1/users?starting_after=x>; rel="next", </v1/users>; rel="first prev"';
    expect(parseLinks(value).map((link) => link.rel)).toEqual([['next'], ['first', 'prev']]);
    expect(linkWithRel(value, 'prev', new URL('https://a.test/base'))?.toString()).toBe(
      'https://a.test/v1/users',
    );
    expect(linkWithRel('<x>; rel=next', 'next', new URL('https://a.test/v1/'))?.toString()).toBe(
      'https://a.test/v1/x',
    );
    expect(linkWithRel(undefined, 'next', new URL('https://a.test'))).toBeUndefined();
  });

  it('reads Retry-After as seconds or an HTTP-date, and rejects anything else', () => {
    const now = Date.parse('Wed, 25 Nov 2026 10:00:00 GMT');
    expect(retryAfterSeconds('7', now)).toBe(7);
    expect(retryAfterSeconds('Wed, 25 Nov 2026 10:00:30 GMT', now)).toBe(30);
    expect(retryAfterSeconds('soon', now)).toBeUndefined();
    expect(retryAfterSeconds('2026-11-25T10:00:30Z', now)).toBeUndefined();
  });

  it('reads the requests left from the draft RateLimit field or X-RateLimit-Remaining', () => {
    expect(advertisedRemaining({ ratelimit: '"api_key";r=17;t=3, "writes";r=40;t=1' })).toBe(17);
    expect(advertisedRemaining({ 'x-ratelimit-remaining': '99' })).toBe(99);
    expect(advertisedRemaining({})).toBeUndefined();
  });

  it('tells which advertised policy a request spent', () => {
    const at = (api: number, writes: number) => ({
      ratelimit: `"api_key";r=${api};t=60, "api_key_writes";r=${writes};t=60`,
    });
    expect(spentRemaining(at(1199, 300), at(1198, 300))).toEqual({
      remaining: 1198,
      policies: ['api_key'],
    });
    expect(spentRemaining(at(1199, 300), at(1199, 300))).toBeUndefined();
    expect(
      spentRemaining({ 'x-ratelimit-remaining': '10' }, { 'x-ratelimit-remaining': '9' }),
    ).toEqual({ remaining: 9, policies: ['the limit'] });
  });

  it('tells an Authorization value from a "Header: value" credential', () => {
    expect(parseCredential('Bearer a:b', 'A')).toEqual({
      header: 'authorization',
      value: 'Bearer a:b',
      label: 'A',
    });
    expect(parseCredential('X-Api-Key: k1', 'B')).toEqual({
      header: 'x-api-key',
      value: 'k1',
      label: 'B',
    });
    expect(invalidLike(parseCredential('Token abc', 'A'), 'n').value).toMatch(
      /^Token [0-9a-f]{32}$/,
    );
  });

  it('reads --auth by its documented rules, and refuses what is ambiguous', () => {
    const read = (raw: string) => {
      const { header, value } = parseCredential(raw, 'A');
      return `${header}: ${value}`;
    };
    expect(read('X-Api-Key: k1')).toBe('x-api-key: k1');
    expect(read('X-Api-Key:k1')).toBe('x-api-key: k1');
    expect(read('Authorization: default:development.abc')).toBe(
      'authorization: default:development.abc',
    );
    expect(read('Bearer abc.def')).toBe('authorization: Bearer abc.def');
    expect(read('Basic user:pa ss')).toBe(
      `authorization: Basic ${Buffer.from('user:pa ss').toString('base64')}`,
    );
    expect(read('Basic dXNlcjpwYXNz')).toBe('authorization: Basic dXNlcjpwYXNz');
    expect(read('sk_live_abc123')).toBe('authorization: sk_live_abc123');
    // A token with a colon (Unleash's "default:development.abc") is not a header named "default".
    expect(() => parseCredential('default:development.abc', 'A')).toThrow(
      /cannot tell how to send the credential A.*"Authorization: <value>"/,
    );
    expect(() => parseCredential('Basic nocolon', 'A')).toThrow(/user:password/);
    expect(() => parseCredential('two words', 'A')).toThrow(AmbiguousCredential);
  });

  it('makes well-formed invalid credentials of the same form', () => {
    const basic = invalidLike(parseCredential('Basic user:pass', 'A'), 'n1');
    expect(basic.value).toBe(`Basic ${Buffer.from('probe:wrong-n1').toString('base64')}`);
    const token = invalidLike(parseCredential('Bearer sk_live_0123456789abcdefABCD', 'A'), 'n');
    expect(token.value).toMatch(/^Bearer sk_live_[0-9]{10}[a-z]{6}[A-Z]{4}$/);
    expect(token.value).not.toBe('Bearer sk_live_0123456789abcdefABCD');
    const header = invalidLike(parseCredential('X-Api-Key: 0123456789abcdef0123', 'A'), 'n');
    expect(header.header).toBe('x-api-key');
    expect(header.value).toMatch(/^[0-9]{10}[a-z]{6}[0-9]{4}$/);
    expect(invalidLike(undefined, 'n').value).toMatch(/^Bearer [0-9a-f]{32}$/);
  });
});

describe('leak detection', () => {
  it('finds stack traces, SQL and banners', () => {
    const kinds = (body: string, headers: Record<string, string> = {}) =>
      findLeaks(headers, body).map((l) => l.what);
    expect(kinds('TypeError: x\n    at handler (/srv/app/routes.js:12:7)')).toContain(
      'a JavaScript stack trace',
    );
    expect(kinds('Traceback (most recent call last):\n  File "app.py", line 3')).toContain(
      'a Python traceback',
    );
    expect(kinds('error: syntax error at or near "FROM"')).toContain('a database error');
    expect(kinds('failed: SELECT id, email FROM users WHERE id = 1')).toContain('SQL');
    expect(kinds('', { 'x-powered-by': 'PHP/8.1' })).toEqual(['X-Powered-By names the framework']);
    expect(kinds('', { server: 'nginx/1.25.3' })).toEqual([
      'Server names the software and its version',
    ]);
  });

  it('leaves ordinary problem bodies and prose alone', () => {
    const problem = JSON.stringify({
      type: 'https://api.test/problems/validation_failed',
      title: 'Request validation failed',
      detail: 'Select a user from the list, at most 100 at a time.',
      instance: '/v1/users',
    });
    expect(
      findLeaks({ server: 'nginx', 'content-type': 'application/problem+json' }, problem),
    ).toEqual([]);
  });
});

describe('problem documents', () => {
  const response = (status: number, type: string, body: unknown) => ({
    status,
    headers: { 'content-type': type },
    body: JSON.stringify(body),
    bodyBytes: 0,
    truncated: false,
  });

  it('accepts RFC 9457 problems and names what is wrong with the rest', () => {
    expect(
      problemIssues(
        response(404, 'application/problem+json; charset=utf-8', {
          title: 'Not found',
          status: 404,
        }),
      ),
    ).toEqual([]);
    expect(
      problemIssues(response(404, 'application/problem+json', { title: 'x', status: 400 })),
    ).toEqual(['"status" is 400 but the HTTP status is 404']);
    expect(problemIssues(response(404, 'application/json', { error: 'nope' }))).toEqual([
      'Content-Type is application/json, not application/problem+json',
      'neither "type" nor "title" is present',
    ]);
  });
});

describe('the document rules', () => {
  it('counts an anchored pattern with bounded quantifiers as a length bound, and nothing looser', () => {
    expect(patternIsBounded('^usr_[0-9a-hjkmnp-tv-z]{26}$')).toBe(true);
    expect(patternIsBounded('^[A-Z]{3}$')).toBe(true);
    expect(patternIsBounded('^(red|green)$')).toBe(true);
    expect(patternIsBounded('^pm_[a-z0-9_]{1,60}$')).toBe(true);
    expect(patternIsBounded('^[^\\u0000]*$')).toBe(false);
    expect(patternIsBounded('^\\d+$')).toBe(false);
    expect(patternIsBounded('^a{2,}$')).toBe(false);
    expect(patternIsBounded('usr_[a-z]{3}')).toBe(false);
    expect(patternIsBounded('^a|b$')).toBe(false);
  });

  it('names each unbounded input of an operation', () => {
    const [op] = operationsOf({
      source: 'inline',
      openapi: '3.1.0',
      raw: {
        openapi: '3.1.0',
        paths: {
          '/things': {
            post: {
              parameters: [{ name: 'q', in: 'query', schema: { type: 'string' } }],
              requestBody: {
                content: {
                  'application/json': {
                    schema: {
                      type: 'object',
                      properties: {
                        tags: { type: 'array', items: { type: 'string', maxLength: 10 } },
                        count: { type: 'integer', minimum: 0 },
                        when: { type: 'string', format: 'date-time' },
                        id: { type: 'string', format: 'uuid' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    });
    expect(unboundedInputs(op!)).toEqual([
      'POST /things query.q: string without maxLength',
      'POST /things body: object without additionalProperties: false',
      'POST /things body.tags: array without maxItems',
      'POST /things body.count: integer without maximum',
      'POST /things body.when: string without maxLength',
    ]);
  });

  it('tells naming styles apart and ignores single words', () => {
    expect(['created_at', 'createdAt', 'created-at', 'CreatedAt', 'email'].map(styleOf)).toEqual([
      'snake_case',
      'camelCase',
      'kebab-case',
      'PascalCase',
      undefined,
    ]);
  });
});

describe('request bodies of write probes', () => {
  const operation = (schema: unknown, example?: unknown): Operation =>
    operationsOf({
      source: 'inline',
      openapi: '3.1.0',
      raw: {
        openapi: '3.1.0',
        paths: {
          '/x': {
            post: {
              requestBody: {
                content: { 'application/json': { schema, ...(example ? { example } : {}) } },
              },
            },
          },
        },
      },
    })[0]!;

  it('picks the object variant of "one item or an array of items"', () => {
    const item = { type: 'object', required: ['name'], properties: { name: { type: 'string' } } };
    const op = operation({ oneOf: [{ type: 'array', items: item }, item] });
    expect(requestSample(op)?.body).toEqual({ name: 'steadfast-check' });
  });

  it('uses the documented example, else builds one from the required fields of the schema', () => {
    expect(requestSample(operation({ type: 'object' }, { name: 'Ada' }))).toEqual({
      body: { name: 'Ada' },
      source: 'example',
    });
    const built = requestSample(
      operation({
        type: 'object',
        required: ['email', 'quantity', 'kind'],
        properties: {
          email: { type: 'string', format: 'email' },
          quantity: { type: 'integer', minimum: 2, maximum: 9 },
          kind: { enum: ['a', 'b'] },
          note: { type: 'string' },
        },
      }),
    );
    expect(built).toEqual({
      body: { email: 'steadfast-check@example.com', quantity: 2, kind: 'a' },
      source: 'schema',
    });
    expect(
      requestSample(
        operation({
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', pattern: '^usr_[0-9]{4}$' } },
        }),
      ),
    ).toBeUndefined();
  });

  it('makes emails and uniqueness-hinted strings unique per run, and varies one free-text field', () => {
    expect(
      uniquify(
        { email: 'ada@example.com', username: 'ada', name: 'Ada', key: 'k', code: 'C', note: 'n' },
        'n1',
      ),
    ).toEqual({
      email: 'ada+scn1@example.com',
      username: 'ada-n1',
      name: 'Ada-n1',
      key: 'k-n1',
      code: 'C-n1',
      note: 'n',
    });
    const op = operation({
      type: 'object',
      properties: { color: { enum: ['red'] }, name: { type: 'string', maxLength: 20 } },
    });
    expect(variantOf({ color: 'red', name: 'Sprocket' }, op)).toEqual({
      color: 'red',
      name: 'Sprocket 2',
    });
    expect(variantOf({ color: 'red' }, op)).toBeUndefined();
  });
});

describe('budgets, scores and exit codes', () => {
  it('stops probes at the cap but keeps the cleanup reserve for deleting what was created', async () => {
    const budget = new RequestBudget({
      maxRequests: 3,
      rps: 1000,
      deadline: Date.now() + 60_000,
      cleanupReserve: 1,
    });
    await budget.acquire('probe');
    await budget.acquire('probe');
    await expect(budget.acquire('probe')).rejects.toBeInstanceOf(BudgetExhausted);
    await budget.acquire('cleanup');
    await expect(budget.acquire('cleanup')).rejects.toBeInstanceOf(BudgetExhausted);
    expect(budget.sent).toBe(3);
  });

  it('allows writes only against a named host (or host:port)', () => {
    const base = optionsFor('https://api.example.com:8443');
    expect(writesAllowed(base)).toBe(false);
    expect(() => writesAllowed({ ...base, allowWrites: true })).toThrow(WriteRefusal);
    expect(() => writesAllowed({ ...base, allowWritesOn: ['staging.example.com'] })).toThrow(
      WriteRefusal,
    );
    expect(writesAllowed({ ...base, allowWritesOn: ['api.example.com'] })).toBe(true);
    expect(writesAllowed({ ...base, allowWritesOn: ['API.example.com:8443'] })).toBe(true);
  });

  it('scores pass as 1 and warn as ½ of the probes that applied, rounding down', () => {
    expect(scoreOf({ pass: 2, warn: 1, fail: 0, na: 5 })).toBe(83);
    expect(scoreOf({ pass: 199, warn: 0, fail: 1, na: 0 })).toBe(99);
    expect(scoreOf({ pass: 0, warn: 0, fail: 0, na: 3 })).toBeNull();
  });

  it('exits 1 on any failure without a threshold, by the score with one, and 4 when incomplete', () => {
    const report = (counts: Report['counts'], score: number, incomplete = false) =>
      ({ counts, score, incomplete }) as Report;
    expect(exitCodeFor(report({ pass: 9, warn: 0, fail: 1, na: 0 }, 90), undefined)).toBe(1);
    expect(exitCodeFor(report({ pass: 9, warn: 0, fail: 1, na: 0 }, 90), 90)).toBe(0);
    expect(exitCodeFor(report({ pass: 8, warn: 0, fail: 2, na: 0 }, 80), 90)).toBe(1);
    expect(exitCodeFor(report({ pass: 9, warn: 1, fail: 0, na: 0 }, 95, true), undefined)).toBe(4);
  });
});
