import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';
import { call } from '../support/http.js';

interface MediaType {
  schema?: { $ref?: string };
  example?: unknown;
  examples?: Record<string, unknown>;
}
interface Operation {
  operationId?: string;
  summary?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, MediaType> };
  responses: Record<string, { description: string; content?: Record<string, MediaType> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
  security: unknown[];
}

const hasExample = (media: MediaType | undefined) =>
  media !== undefined && (media.example !== undefined || media.examples !== undefined);

describe('OpenAPI document and reference page', () => {
  let t: TestApp;
  let doc: Document;

  beforeAll(async () => {
    t = await startApp('sqlite');
    const response = await call(t.app, 'GET', '/v1/openapi.json');
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
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/livez',
      '/readyz',
      '/v1/api_keys',
      '/v1/api_keys/{id}/revoke',
      '/v1/orders',
      '/v1/orders/{id}',
      '/v1/orders/{id}/cancel',
      '/v1/payments',
      '/v1/payments/{id}',
      '/v1/payments/{id}/refunds',
      '/v1/refunds/{id}',
      '/v1/users',
      '/v1/users/{id}',
    ]);
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
        expect(
          hasExample(response.content?.['application/json']),
          `${name} ${status} example`,
        ).toBe(true);
      }
    }
  });

  it('every /v1 operation declares exactly one scope, for API keys and access tokens alike', () => {
    for (const { name, op } of operations().filter(({ name }) => name.includes(' /v1/'))) {
      const [keyRequirement, tokenRequirement] = op.security as Record<string, string[]>[];
      expect(keyRequirement?.apiKey, name).toHaveLength(1);
      expect(tokenRequirement?.accessToken, name).toEqual(keyRequirement?.apiKey);
      expect((op as { description?: string }).description, name).toContain(
        `Requires scope \`${keyRequirement!.apiKey![0]}\``,
      );
    }
  });

  it('every /v1 operation documents its errors as problem+json with an example, including 401 and 500', () => {
    for (const { name, op } of operations().filter(({ name }) => name.includes(' /v1/'))) {
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
    const createUser = doc.paths['/v1/users']!.post!;
    const schema = createUser.requestBody!.content['application/json']!.schema as {
      additionalProperties: boolean;
      properties: Record<string, { maxLength?: number }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.properties.email!.maxLength).toBe(254);
    expect(doc.paths['/livez']!.get!.security).toEqual([]);
  });

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
    expect(initializer.body).toContain('/v1/openapi.json');
  });
});
