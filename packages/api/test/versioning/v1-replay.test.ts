import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stores } from '../support/app.js';
import { runV1Scenario, type Exchange } from './v1-scenario.js';

/**
 * v1 answers exactly as it did before /v2 existed: the fixed walk through every v1 operation is
 * replayed and compared with the fixtures recorded from the code of that time, status, contract
 * headers and body text byte for byte (after normalising ids, times and request ids). The only
 * difference allowed is the announcement of v1's retirement: Deprecation, Sunset and two new
 * Link relations, which the test requires on every response instead.
 */
const fixtures = JSON.parse(
  readFileSync(
    join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'v1-exchanges.json'),
    'utf8',
  ),
) as Exchange[];

const SUCCESSOR = /^<http:\/\/127\.0\.0\.1:3000\/v2\/[^>]*>; rel="successor-version"$/;
const DEPRECATION_DOCS =
  '<http://127.0.0.1:3000/docs/?urls.primaryName=v1>; rel="deprecation"; type="text/html"';

/** Splits a Link field into its link-values (commas inside <…> do not occur in our URLs). */
const linkValues = (field: string) => field.split(/,\s*(?=<)/);

/** The exchange as v1 sent it before: the retirement relations taken out of Link. */
function withoutRetirementLinks(exchange: Exchange): Exchange {
  const headers = { ...exchange.response.headers };
  const link = headers.link;
  if (link !== undefined) {
    const kept = linkValues(link).filter(
      (value) => !SUCCESSOR.test(value) && value !== DEPRECATION_DOCS,
    );
    if (kept.length > 0) headers.link = kept.join(', ');
    else delete headers.link;
  }
  return { ...exchange, response: { ...exchange.response, headers } };
}

describe.each(stores)('v1 is unchanged by v2: recorded v1 fixtures replayed (%s)', (store) => {
  it('answers every recorded request exactly as recorded, announcing its retirement', async () => {
    const replayed = await runV1Scenario(store);
    expect(replayed.map((e) => e.name)).toEqual(fixtures.map((e) => e.name));
    for (const [index, exchange] of replayed.entries()) {
      const recorded = fixtures[index]!;
      const label = `#${index} ${recorded.name}`;
      // The retirement is announced on every answer, successes and problems alike.
      expect(exchange.response.headers.deprecation, label).toBe('@1795564800');
      expect(exchange.response.headers.sunset, label).toBe('Tue, 30 Nov 2027 00:00:00 GMT');
      const links = linkValues(exchange.response.headers.link ?? '');
      expect(
        links.filter((value) => SUCCESSOR.test(value)),
        label,
      ).toHaveLength(1);
      expect(links, label).toContain(DEPRECATION_DOCS);
      const path = exchange.request.url.split('?')[0]!.replace('/v1/', '/v2/');
      expect(links, label).toContain(`<http://127.0.0.1:3000${path}>; rel="successor-version"`);

      const contract = { ...withoutRetirementLinks(exchange).response.headers };
      delete contract.deprecation;
      delete contract.sunset;
      expect({ ...exchange.request }, label).toEqual(recorded.request);
      expect(exchange.response.status, label).toBe(recorded.response.status);
      expect(contract, label).toEqual(recorded.response.headers);
      // Byte for byte: the fixture body re-serialised is the exact text v1 sent.
      const text = (body: unknown) => (typeof body === 'string' ? body : JSON.stringify(body));
      expect(text(exchange.response.body), label).toBe(text(recorded.response.body));
    }
  }, 60_000);

  it('the fixtures cover every v1 operation of the published contract', () => {
    const contract = JSON.parse(
      readFileSync(
        join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'v1-openapi.before-v2.json'),
        'utf8',
      ),
    ) as { paths: Record<string, Record<string, unknown>> };
    const operations = Object.entries(contract.paths)
      .filter(([path]) => path.startsWith('/v1/'))
      .flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      );
    const exercised = new Set(
      fixtures.map((e) => {
        const template = e.request.url
          .split('?')[0]!
          .replace(/\/(usr|ord|pay|re|key)_(#\d+|[0-9a-z]{26})/g, '/{id}');
        return `${e.request.method} ${template}`;
      }),
    );
    expect(operations.filter((op) => !exercised.has(op))).toEqual([]);
  });
});
