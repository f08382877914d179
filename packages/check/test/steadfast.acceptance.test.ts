import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../src/report/report.js';
import { check, unexpected } from './support/check.js';
import { startSteadfast, writePems, type Steadfast } from './support/steadfast.js';
import { selfSignedCertificate } from './support/tls.js';

/*
 * The acceptance test of issue #8: the Steadfast API, started as a real process (HTTPS, SQLite,
 * two tenants), scores 100% with every probe pass or n/a with a reason. No code of packages/api
 * is imported: it is probed from outside like any other API.
 */
let api: Steadfast | undefined;
let report: Report;
let cleanup: (() => void)[] = [];

beforeAll(async () => {
  const tls = await selfSignedCertificate();
  const pems = writePems(tls);
  cleanup = [tls.remove, pems.remove];
  api = await startSteadfast(pems);
  report = await check(api.url, {
    auth: `Bearer ${api.keys.a}`,
    authB: `Bearer ${api.keys.b}`,
    ca: tls.caFile,
    allowWrites: true,
    allowWritesOn: [new URL(api.url).host],
    rps: 100,
  });
}, 120_000);

afterAll(async () => {
  await api?.stop();
  for (const remove of cleanup) remove();
});

describe('steadfast-check against the Steadfast API', () => {
  it('scores 100%: every probe passes or is n/a with a reason', () => {
    expect(
      unexpected(report, (p) => p.status === 'pass' || (p.status === 'na' && p.summary.length > 0)),
    ).toBe('');
    expect(report.score).toBe(100);
    expect(report.incomplete).toBe(false);
  });

  it('found the API’s OpenAPI documents and probed its collections', () => {
    expect(report.documents.some((doc) => doc.endsWith('/v1/openapi.json'))).toBe(true);
    const byId = Object.fromEntries(report.probes.map((p) => [p.id, p]));
    expect(byId['ratelimit.burst']!.status).toBe('pass');
    expect(byId['auth.tenant-isolation']!.status).toBe('pass');
    expect(byId['security.hsts']!.status).toBe('pass');
  });

  it('deletes the records it created', () => {
    expect(report.notes.filter((note) => /could not delete|left /.test(note))).toEqual([]);
  });
});
