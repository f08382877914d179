import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../support/app.js';

/** Label values come from fixed sets even where a client writes the header they are read from. */
describe('HTTP metric labels behind a trusted proxy', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startApp('sqlite', { TRUST_PROXY: 'true' });
  });
  afterAll(() => t.close());

  it('url_scheme is http or https whatever X-Forwarded-Proto says', async () => {
    for (const proto of ['https', 'gopher', 'x'.repeat(200)]) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/livez',
        headers: { 'x-forwarded-proto': proto },
      });
      expect(response.statusCode).toBe(200);
    }
    const text = await t.app.metrics.registry.metrics();
    const schemes = new Set(
      [
        ...text.matchAll(
          /^http_server_request_duration_seconds_count\{[^}]*url_scheme="([^"]*)"/gm,
        ),
      ].map((match) => match[1]),
    );
    expect([...schemes].sort()).toEqual(['http', 'https']);
    expect(text).not.toContain('gopher');
  });
});
