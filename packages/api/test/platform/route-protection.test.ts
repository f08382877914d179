import fc from 'fast-check';
import type { HTTPMethods, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/http.js';

/**
 * Every route the app registers is reachable without credentials only if it is listed here. A
 * route added later outside the authenticated context (by anyone, in any module) fails this test
 * until it is either protected or deliberately listed, with the reason.
 */
const PUBLIC: { method?: string; pattern: RegExp; why: string }[] = [
  { pattern: /^\/(livez|readyz)$/, why: 'health probes for orchestrators' },
  { pattern: /^\/(\.well-known\/api-catalog)?$/, why: 'the index and the API catalog (RFC 9727)' },
  { pattern: /^\/docs(\/.*)?$/, why: 'the interactive reference and its bundled assets' },
  { pattern: /^\/v\d+\/openapi\.json$/, why: 'the published contract of each API version' },
  { pattern: /^\/problems(\/.*)?$/, why: 'the error catalogue pages (problem type URIs)' },
  {
    method: 'OPTIONS',
    pattern: /^\*$/,
    why: 'CORS preflight: browsers never send credentials on it (Fetch standard)',
  },
];

/** One 401 per route and API version is more than the default per-address 401 budget. */
const ROOM_FOR_EVERY_401 = { RATE_LIMIT_AUTH_FAILURE_QUOTA: '1000' };

interface Registered {
  method: string;
  url: string;
  params?: { properties?: Record<string, { pattern?: string }> };
}

const isPublic = (route: Registered) =>
  PUBLIC.some((p) => p.pattern.test(route.url) && (p.method ?? route.method) === route.method);

/** A value that passes the parameter's schema (e.g. `usr_…` for a user id), so only auth can refuse. */
function validParam(schema: { pattern?: string } | undefined): string {
  if (!schema?.pattern) return 'x1';
  return fc.sample(fc.stringMatching(new RegExp(schema.pattern)), { numRuns: 1, seed: 7 })[0]!;
}

function concreteUrl(route: Registered): string {
  return route.url
    .replace(/:(\w+)/g, (_match, name: string) => validParam(route.params?.properties?.[name]))
    .replace(/\*$/, 'x');
}

function registered(route: RouteOptions): Registered[] {
  return ([] as HTTPMethods[]).concat(route.method).map((method) => ({
    method,
    url: route.url,
    params: route.schema?.params as Registered['params'],
  }));
}

/** Sends each non-public route a request without credentials; lists those not refused with 401. */
async function reachableWithoutCredentials(t: TestApp, routes: Registered[]): Promise<string[]> {
  const failures: string[] = [];
  for (const route of routes.filter((r) => !isPublic(r))) {
    const url = concreteUrl(route);
    const hasBody = ['POST', 'PUT', 'PATCH'].includes(route.method);
    const response = await t.app.inject({
      method: route.method,
      url,
      ...(hasBody ? { headers: { 'content-type': 'application/json' }, payload: '{}' } : {}),
    });
    if (response.statusCode !== 401 || !response.headers['www-authenticate']) {
      failures.push(`${route.method} ${route.url} (${url}) → ${response.statusCode}`);
    } else if (route.method !== 'HEAD') {
      // HEAD has no body to check; every other refusal is the one problem shape.
      expectProblem(response, 401, 'unauthenticated');
    }
  }
  return failures;
}

describe('no route is reachable without authentication unless listed as public', () => {
  let t: TestApp;
  const routes: Registered[] = [];

  beforeAll(async () => {
    t = await startApp(
      'sqlite',
      // CORS on, so its preflight route is registered and checked too.
      { CORS_ALLOWED_ORIGINS: 'https://app.example.com', ...ROOM_FOR_EVERY_401 },
      undefined,
      {
        onRoute: (route: RouteOptions) => routes.push(...registered(route)),
      },
    );
  });
  afterAll(() => t.close());

  it('sees the whole route table (a sanity check that enumeration works)', () => {
    const seen = routes.map((r) => `${r.method} ${r.url}`);
    for (const expected of [
      'GET /livez',
      'GET /v1/users',
      'HEAD /v1/users',
      'POST /v1/orders',
      'GET /v1/openapi.json',
      'GET /v2/users',
      'HEAD /v2/users',
      'POST /v2/payments/:id/refunds',
      'GET /v2/openapi.json',
      'OPTIONS *',
    ])
      expect(seen).toContain(expected);
    // 18 operations (and the HEAD twins of the GETs) per API version.
    expect(
      routes.filter((r) => !isPublic(r) && r.url.startsWith('/v2/')).length,
    ).toBeGreaterThanOrEqual(18);
    expect(routes.filter((r) => !isPublic(r)).length).toBeGreaterThanOrEqual(36);
  });

  it('every non-public route answers 401 unauthenticated to a request without credentials', async () => {
    expect(await reachableWithoutCredentials(t, routes)).toEqual([]);
  });

  it('would catch a route registered outside the authenticated context', async () => {
    const leaky: Registered[] = [];
    const local = await startApp(
      'sqlite',
      ROOM_FOR_EVERY_401,
      (app) => app.get('/v1/leak/:id', async () => ({ secret: true })),
      { onRoute: (route: RouteOptions) => leaky.push(...registered(route)) },
    );
    try {
      expect(await reachableWithoutCredentials(local, leaky)).toEqual([
        'GET /v1/leak/:id (/v1/leak/x1) → 200',
        'HEAD /v1/leak/:id (/v1/leak/x1) → 200',
      ]);
    } finally {
      await local.close();
    }
  });

  it('path parameters were filled with ids their schemas accept', () => {
    for (const route of routes.filter((r) => r.url.includes(':'))) {
      for (const [name, schema] of Object.entries(route.params?.properties ?? {})) {
        if (schema.pattern) expect(validParam(schema), name).toMatch(new RegExp(schema.pattern));
      }
    }
  });
});
