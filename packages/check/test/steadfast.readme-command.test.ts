import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/report.js';
import { cli, type CliResult } from './support/cli.js';
import { startSteadfast, type Steadfast } from './support/steadfast.js';

/*
 * The main README shows `npx steadfast-check http://127.0.0.1:3000 --auth "Bearer $KEY"` and says
 * this API scores 100% with it. That command, run through the bin script against the API as
 * `npm start` runs it (plain HTTP, default rate limits), must give exactly that score.
 */
let api: Steadfast | undefined;
let result: CliResult;

beforeAll(async () => {
  api = await startSteadfast(undefined, { defaultRateLimits: true });
  result = await cli([api.url, '--auth', `Bearer ${api.keys.a}`, '--format', 'json']);
}, 180_000);

afterAll(async () => {
  await api?.stop();
});

describe("the main README's command against the Steadfast API", () => {
  it('scores 100%, as the README says', () => {
    const report = JSON.parse(result.stdout) as Report;
    const off = report.probes
      .filter((p) => p.status !== 'pass' && p.status !== 'na')
      .map((p) => `${p.id}: ${p.status} — ${p.summary}`);
    expect(off).toEqual([]);
    expect(report.score).toBe(100);
    expect(result.code).toBe(0);
  });

  it('leaves the burst n/a with the reason, not a warning, when the limit is out of reach', () => {
    const report = JSON.parse(result.stdout) as Report;
    const burst = report.probes.find((p) => p.id === 'ratelimit.burst')!;
    expect(burst.status).toBe('na');
    expect(burst.summary).toMatch(
      /a limit is advertised .*api_key|counts these requests against api_key\b/,
    );
  });
});
