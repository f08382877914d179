import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_TYPE_NAMES } from '../../src/modules/webhooks/event-types.js';
import type { OpenApiDocument } from '../../src/platform/openapi/document-types.js';
import { startApp, type TestApp } from '../support/app.js';
import { call } from '../support/http.js';
import { webhookContract } from '../support/webhook-contract.js';

interface MediaType {
  schema?: { $ref?: string };
  example?: unknown;
  examples?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  deprecated?: boolean;
  parameters?: { in: string; name: string }[];
  summary?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<
    string,
    {
      description: string;
      content?: Record<string, MediaType>;
      headers?: Record<string, { $ref?: string }>;
    }
  >;
}
interface Document {
  openapi: string;
  info: { title: string; version: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: {
    schemas: Record<string, unknown>;
    securitySchemes: Record<string, unknown>;
    headers: Record<string, unknown>;
  };
  security: unknown[];
}

const hasExample = (media: MediaType | undefined) =>
  media !== undefined && (media.example !== undefined || media.examples !== undefined);

const OPERATIONS = [
  '/api_keys',
  '/api_keys/{id}/revoke',
  '/orders',
  '/orders/{id}',
  '/orders/{id}/cancel',
  '/payments',
  '/payments/{id}',
  '/payments/{id}/refunds',
  '/refunds/{id}',
  '/users',
  '/users/{id}',
  '/webhook_endpoints',
  '/webhook_endpoints/{id}',
  '/webhook_endpoints/{id}/deliveries',
  '/webhook_endpoints/{id}/deliveries/{delivery_id}',
  '/webhook_endpoints/{id}/deliveries/{delivery_id}/retry',
  '/webhook_endpoints/{id}/rotate_secret',
];

describe.each(['v1', 'v2'])('OpenAPI document of %s', (version) => {
  let t: TestApp;
  let doc: Document;

  beforeAll(async () => {
    t = await startApp('sqlite');
    const response = await call(t.app, 'GET', `/${version}/openapi.json`);
    expect(response.statusCode).toBe(200);
    doc = response.json<Document>();
  });
  afterAll(() => t.close());

  const operations = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
    );

  it('is OpenAPI 3.1 with bearer security and the shared Problem schema', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.accessToken).toMatchObject({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(doc.security).toEqual([{ apiKey: [] }]);
    expect(doc.components.schemas.Problem).toMatchObject({
      type: 'object',
      required: expect.arrayContaining(['type', 'title', 'status', 'code', 'request_id']),
    });
    // Its own version's operations and the unversioned public routes (probes, index, catalog),
    // nothing of another version.
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/',
        '/.well-known/api-catalog',
        '/livez',
        '/readyz',
        ...OPERATIONS.map((path) => `/${version}${path}`),
      ].sort(),
    );
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.info.title).toContain(version);
  });

  it('describes each event type of the catalogue in `webhooks`: signed POST, example, 2xx expected', () => {
    const contract = webhookContract(doc as unknown as OpenApiDocument);
    const { webhooks } = contract;
    const check = (body: unknown) => contract.check(body);
    expect(Object.keys(webhooks)).toEqual(EVENT_TYPE_NAMES);
    for (const [type, { post }] of Object.entries(webhooks)) {
      const op = post as unknown as Operation;
      expect(op.operationId, type).toMatch(/^[a-z][A-Za-z]+Webhook$/);
      expect(op.summary, type).toContain(type);
      expect(op.security, type).toEqual([]); // the receiver checks our signature, not a key
      expect(
        op.parameters?.filter((p) => p.in === 'header').map((p) => p.name),
        type,
      ).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      expect(Object.keys(op.responses), type).toEqual(['2XX', 'default']);
      const example = post.requestBody.content['application/json'].example as Record<
        string,
        unknown
      >;
      expect(example).toMatchObject({ object: 'event', type });
      expect(check(example), type).toEqual([]);
      // The schema is not a free-for-all: another type's body or a stray field fails it.
      expect(check({ ...example, extra: true }).length, type).toBeGreaterThan(0);
      expect(check({ ...example, data: {} }).length, type).toBeGreaterThan(0);
    }
    expect(
      new Set(Object.values(webhooks).map((w) => (w.post as unknown as Operation).operationId))
        .size,
    ).toBe(EVENT_TYPE_NAMES.length);
  });

  it('every operation has an id, a summary, request and response examples', () => {
    for (const { name, op } of operations()) {
      expect(op.operationId, name).toMatch(/^[a-z][A-Za-z]+$/);
      expect(op.summary, name).toBeTruthy();
      if (op.requestBody)
        expect(
          hasExample(op.requestBody.content['application/json']),
          `${name} request example`,
        ).toBe(true);
      const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      expect(success.length, name).toBeGreaterThan(0);
      for (const [status, response] of success) {
        if (status === '204') continue;
        // JSON, or a JSON-based type (the API catalog is application/linkset+json).
        expect(
          hasExample(Object.values(response.content ?? {})[0]),
          `${name} ${status} example`,
        ).toBe(true);
      }
    }
  });

  it('every versioned operation declares exactly one scope, for API keys and access tokens alike', () => {
    for (const { name, op } of operations().filter(({ name }) => name.includes(` /${version}/`))) {
      const [keyRequirement, tokenRequirement] = op.security as Record<string, string[]>[];
      expect(keyRequirement?.apiKey, name).toHaveLength(1);
      expect(tokenRequirement?.accessToken, name).toEqual(keyRequirement?.apiKey);
      expect((op as { description?: string }).description, name).toContain(
        `Requires scope \`${keyRequirement!.apiKey![0]}\``,
      );
    }
  });

  it('every versioned operation documents its errors as problem+json with an example, including 401 and 500', () => {
    for (const { name, op } of operations().filter(({ name }) => name.includes(` /${version}/`))) {
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      expect(
        errors.map(([status]) => status),
        name,
      ).toEqual(expect.arrayContaining(['400', '401', '403', '500', '503']));
      for (const [status, response] of errors) {
        const media = response.content?.['application/problem+json'];
        expect(media?.schema?.$ref, `${name} ${status}`).toBe('#/components/schemas/Problem');
        expect(media?.example, `${name} ${status}`).toMatchObject({ status: Number(status) });
        expect(response.description, `${name} ${status}`).toMatch(/`[a-z_]+`/);
      }
    }
  });

  it('documents strict inputs: bounded strings and no unknown fields', () => {
    const createUser = doc.paths[`/${version}/users`]!.post!;
    const schema = createUser.requestBody!.content['application/json']!.schema as {
      additionalProperties: boolean;
      properties: Record<string, { maxLength?: number }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.email!.maxLength).toBe(254);
    expect(doc.paths['/livez']!.get!.security).toEqual([]);
  });

  it('documents the headers: request id and rate limits everywhere, Retry-After on 429, ETag and 304 on reads, replays on POST', () => {
    for (const { name, op } of operations().filter(({ name }) => name.includes(` /${version}/`))) {
      for (const [status, response] of Object.entries(op.responses)) {
        expect(response.headers?.['X-Request-Id'], `${name} ${status}`).toBeDefined();
        if (/^[24]/.test(status))
          expect(response.headers?.RateLimit, `${name} ${status}`).toBeDefined();
      }
      expect(op.responses['429']?.headers?.['Retry-After'], name).toBeDefined();
      if (name.startsWith('GET ')) {
        expect(op.responses['200']?.headers?.ETag, name).toBeDefined();
        expect(op.responses['304'], name).toBeDefined();
      }
      if (name.startsWith('POST ')) {
        const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
        for (const [status, response] of success)
          expect(response.headers?.['Idempotent-Replayed'], `${name} ${status}`).toBeDefined();
        expect(op.parameters?.map((p) => p.name)).toContain('idempotency-key');
      }
    }
  });

  it(
    version === 'v1'
      ? 'marks every v1 operation deprecated and documents Deprecation, Sunset and the successor link'
      : 'is not deprecated, and lists what changed since v1',
    () => {
      const versioned = operations().filter(({ name }) => name.includes(` /${version}/`));
      for (const { name, op } of versioned) {
        expect(op.deprecated ?? false, name).toBe(version === 'v1');
        const success = Object.entries(op.responses).find(([status]) => status.startsWith('2'))!;
        const headers = success[1].headers ?? {};
        if (version === 'v1')
          expect(Object.keys(headers), name).toEqual(
            expect.arrayContaining(['Deprecation', 'Sunset', 'Link']),
          );
        else expect(headers.Deprecation, name).toBeUndefined();
      }
      if (version === 'v2') {
        expect(doc.info.description).toContain('Breaking changes in v2');
        expect(doc.info.description).toContain('`total_money`');
        expect(doc.components.headers.Deprecation).toBeUndefined();
      } else {
        expect(doc.info.description).toContain('**Deprecated.**');
      }
    },
  );
});

describe('reference page', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startApp('sqlite');
  });
  afterAll(() => t.close());

  it('serves the interactive reference at /docs from bundled assets only', async () => {
    const page = await t.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).not.toMatch(/https?:/);
    const assets = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(0);
    for (const asset of assets) {
      expect(asset, 'no CDN or remote asset').not.toMatch(/^(https?:)?\/\//);
      const url = new URL(asset, 'http://local/docs/').pathname;
      expect((await t.app.inject({ method: 'GET', url })).statusCode, url).toBe(200);
    }
    const initializer = await t.app.inject({
      method: 'GET',
      url: '/docs/static/swagger-initializer.js',
    });
    // The version switch: both documents, the latest first (it opens by default).
    expect(initializer.body).toMatch(
      /"url":"\/v2\/openapi\.json","name":"v2".*"url":"\/v1\/openapi\.json","name":"v1"/s,
    );
  });

  it('/docs/json is the latest version’s document, not a mix of versions', async () => {
    const latest = (await call(t.app, 'GET', '/docs/json')).json<Document>();
    expect(Object.keys(latest.paths).filter((path) => path.startsWith('/v1/'))).toEqual([]);
    expect(latest.info.title).toContain('v2');
  });
});
