import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';

/** GET / and the RFC 9727 API catalog: public, linked to each other, with the platform's headers. */
describe('discovery: the index and the API catalog', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp('sqlite');
  });
  afterAll(() => t?.close());

  const catalogLink = (base: string) => `<${base}/.well-known/api-catalog>; rel="api-catalog"`;

  it('GET / answers a JSON index linking the reference, each version and health', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    expect(response.headers['x-request-id']).toMatch(/^req_/);
    expect(response.headers['content-security-policy']).toBeDefined();
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    const base = t.config.publicBaseUrl;
    expect(response.headers.link).toBe(catalogLink(base));
    const index = response.json<{ versions: { version: string; openapi: string }[] }>();
    expect(index).toMatchObject({
      name: 'Steadfast API',
      links: {
        docs: `${base}/docs`,
        api_catalog: `${base}/.well-known/api-catalog`,
        readiness: `${base}/readyz`,
        liveness: `${base}/livez`,
      },
    });
    expect(index.versions.map((v) => v.version)).toEqual(['v2', 'v1']);
    expect(index.versions[1]).toMatchObject({ status: 'deprecated', base_url: `${base}/v1` });
    // Every link it gives answers (the index cannot point at nothing).
    for (const { openapi } of index.versions) {
      const doc = await t.app.inject({ method: 'GET', url: new URL(openapi).pathname });
      expect(doc.statusCode, openapi).toBe(200);
    }
  });

  it('/.well-known/api-catalog is an RFC 9727 linkset, and answers HEAD with the Link header', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/.well-known/api-catalog' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(
      /^application\/linkset\+json; profile="https:\/\/www\.rfc-editor\.org\/info\/rfc9727"/,
    );
    expect(response.headers['x-request-id']).toMatch(/^req_/);
    const base = t.config.publicBaseUrl;
    const { linkset } = response.json<{ linkset: Record<string, unknown>[] }>();
    expect(linkset[0]).toEqual({
      anchor: `${base}/.well-known/api-catalog`,
      item: [{ href: `${base}/v2` }, { href: `${base}/v1` }],
    });
    expect(linkset[1]).toMatchObject({
      anchor: `${base}/v2`,
      'service-desc': [
        { href: `${base}/v2/openapi.json`, type: 'application/vnd.oai.openapi+json' },
      ],
    });

    const head = await t.app.inject({ method: 'HEAD', url: '/.well-known/api-catalog' });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers.link).toBe(catalogLink(base));
    expect(head.headers['content-type']).toMatch(/^application\/linkset\+json/);
  });

  it('refuses what it does not serve in the one error shape', async () => {
    const post = await t.app.inject({ method: 'POST', url: '/', payload: {} });
    expect(post.statusCode).toBeGreaterThanOrEqual(400);
    expect(post.statusCode).toBeLessThan(500);
    expect(post.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});
