import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBES } from '../src/probes/registry.js';
import type { Report } from '../src/report/report.js';
import { startGoodApi } from './fixtures/good-api/server.js';
import type { Fixture } from './fixtures/listen.js';
import { startNaiveApi } from './fixtures/naive-api.js';
import { check, statuses, unexpected } from './support/check.js';
import { selfSignedCertificate } from './support/tls.js';

/*
 * Every probe must be able to pass and to fail: against the good fixture (which does everything
 * right) each one passes, against the naive fixture (which does everything wrong) each one fails,
 * asserted per probe id. The spec-less naive run covers docs.openapi failing and the static
 * probes' n/a.
 */
const TOKENS = { a: 'good-token-a', b: 'good-token-b' };
let tls: Awaited<ReturnType<typeof selfSignedCertificate>>;
const fixtures: Fixture[] = [];
const reports: Record<'good' | 'naive' | 'specless', Report | undefined> = {
  good: undefined,
  naive: undefined,
  specless: undefined,
};

beforeAll(async () => {
  tls = await selfSignedCertificate();
  const good = await startGoodApi({
    tokens: TOKENS,
    rateLimit: { capacity: 100, refillPerSecond: 10 },
    tls,
  });
  const naive = await startNaiveApi({ withSpec: true, tls });
  const specless = await startNaiveApi({ withSpec: false });
  fixtures.push(good, naive, specless);
  const writesOn = (url: string) => ({ allowWrites: true, allowWritesOn: [new URL(url).host] });
  // The three runs are independent: run them side by side.
  [reports.good, reports.naive, reports.specless] = await Promise.all([
    check(good.url, {
      auth: `Bearer ${TOKENS.a}`,
      authB: `Bearer ${TOKENS.b}`,
      ca: tls.caFile,
      rps: 100,
      ...writesOn(good.url),
    }),
    check(naive.url, {
      auth: 'Bearer a',
      authB: 'Bearer b',
      ca: tls.caFile,
      burst: 40,
      ...writesOn(naive.url),
    }),
    check(specless.url, { resources: ['/users'], burst: 40 }),
  ]);
});

afterAll(async () => {
  await Promise.all(fixtures.map((fixture) => fixture.close()));
  tls?.remove();
});

describe('against the good fixture', () => {
  it('every probe passes, with a 100% score', () => {
    const report = reports.good!;
    expect(unexpected(report, (p) => p.status === 'pass')).toBe('');
    expect(report.score).toBe(100);
    expect(report.probes.map((p) => p.id).sort()).toEqual(PROBES.map((p) => p.id).sort());
  });

  it('deletes every record its write probes created', () => {
    const report = reports.good!;
    expect(report.notes.some((note) => /created by write probes; (\d+) deleted/.test(note))).toBe(
      true,
    );
    expect(report.notes.filter((note) => /could not delete|left /.test(note))).toEqual([]);
  });
});

describe('against the naive fixture', () => {
  it('every probe except docs.openapi fails, by id', () => {
    const report = reports.naive!;
    const expected = Object.fromEntries(
      PROBES.map((p) => [p.id, p.id === 'docs.openapi' ? 'pass' : 'fail']),
    );
    expect(
      statuses(report),
      unexpected(report, (p) => p.status === expected[p.id]),
    ).toEqual(expected);
    expect(report.score).toBeLessThan(5);
  });

  it('names what it found', () => {
    const byId = Object.fromEntries(reports.naive!.probes.map((p) => [p.id, p]));
    expect(byId['errors.no-leaks']!.details.join('\n')).toMatch(/JavaScript stack trace/);
    expect(byId['errors.no-leaks']!.details.join('\n')).toMatch(/X-Powered-By/);
    expect(byId['auth.tenant-isolation']!.details.join('\n')).toMatch(
      /tenant B read tenant A's record/,
    );
    expect(byId['security.cors']!.details.join('\n')).toMatch(/reflects the foreign Origin/);
    expect(byId['security.internal-endpoints']!.details.join('\n')).toMatch(
      /\/metrics → 200 \(Prometheus metrics\)/,
    );
    expect(byId['idempotency.replay']!.summary).toMatch(/second record/);
    expect(byId['observability.traceparent']!.details.join('\n')).toMatch(/not the client's/);
    expect(byId['spec.naming']!.summary).toMatch(/camelCase/);
  });
});

describe('against a target without an OpenAPI document', () => {
  it('fails docs.openapi, says n/a for every static probe and still runs the live ones', () => {
    const report = reports.specless!;
    const byId = statuses(report);
    expect(byId['docs.openapi']).toBe('fail');
    for (const probe of report.probes.filter((p) => p.kind === 'static')) {
      expect(probe.status, probe.id).toBe('na');
      expect(probe.summary).toMatch(/no OpenAPI 3 document/);
    }
    const live = report.probes.filter((p) => p.kind === 'live' && p.id !== 'docs.openapi');
    // Live probes ran (they sent requests), apart from those that need what this run lacks:
    // write access (every probe that sends a method other than GET/HEAD/OPTIONS), credential B,
    // HTTPS, a document.
    const notRun = live.filter((p) => p.requests === 0).map((p) => p.id);
    expect(notRun.sort()).toEqual(
      [
        'auth.tenant-isolation',
        'concurrency.if-match',
        'errors.malformed-json',
        'errors.problem-shape',
        'errors.wrong-method',
        'idempotency.replay',
        'input.body-limit',
        'input.content-type',
        'input.unknown-field',
        'security.hsts',
        'versioning.deprecation',
      ].sort(),
    );
    expect(byId['errors.unknown-route']).toBe('fail');
    expect(byId['pagination.limit']).toBe('fail');
    expect(byId['security.hsts']).toBe('na');
  });
});

describe('coverage', () => {
  it('every probe has at least one passing and one failing fixture case', () => {
    const all = Object.values(reports).flatMap((report) => report!.probes);
    for (const probe of PROBES) {
      const seen = new Set(all.filter((r) => r.id === probe.id).map((r) => r.status));
      expect(seen.has('pass') && seen.has('fail'), `${probe.id}: ${[...seen].join(', ')}`).toBe(
        true,
      );
    }
  });
});
