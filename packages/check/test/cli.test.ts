import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBES } from '../src/probes/registry.js';
import { startGoodApi } from './fixtures/good-api/server.js';
import type { Fixture } from './fixtures/listen.js';
import { startNaiveApi } from './fixtures/naive-api.js';
import { cli, REPO_ROOT, runCommand } from './support/cli.js';
import { selfSignedCertificate } from './support/tls.js';

const TOKENS = { a: 'cli-token-a', b: 'cli-token-b' };
let naive: Fixture;
let good: Fixture;
let tls: Awaited<ReturnType<typeof selfSignedCertificate>>;
let dir: string;

beforeAll(async () => {
  tls = await selfSignedCertificate();
  naive = await startNaiveApi({ withSpec: false });
  good = await startGoodApi({
    tokens: TOKENS,
    rateLimit: { capacity: 100, refillPerSecond: 10 },
    tls,
  });
  dir = mkdtempSync(join(tmpdir(), 'steadfast-check-cli-'));
});

afterAll(async () => {
  await Promise.all([naive?.close(), good?.close()]);
  tls?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('the command line', () => {
  it('`npx steadfast-check --help` works from the repository root', async () => {
    const result = await runCommand('npx', ['steadfast-check', '--help'], { cwd: REPO_ROOT });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: steadfast-check <base-url> \[options\]/);
    expect(result.stdout).toMatch(/--allow-writes-on/);
  });

  it('refuses bad usage with exit code 2', async () => {
    const results = await Promise.all([
      cli([]),
      cli(['ftp://example.com']),
      cli([naive.url, '--format', 'yaml']),
      cli([naive.url, '--only', 'no.such-probe']),
      cli([naive.url, '--output', 'report.pdf']),
    ]);
    expect(results.map((r) => r.code)).toEqual([2, 2, 2, 2, 2]);
    expect(results[0].stderr).toMatch(/base URL of the API is missing/);
    expect(results[3].stderr).toMatch(/no probe matches no\.such-probe/);
    expect(naive.received).toHaveLength(0);
  });

  it('refuses write probes against a host not named in --allow-writes-on, before sending anything', async () => {
    const before = naive.received.length;
    const unnamed = await cli([naive.url, '--allow-writes']);
    const otherHost = await cli([
      naive.url,
      '--allow-writes',
      '--allow-writes-on',
      'staging.example.com',
    ]);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toMatch(/refusing to run write probes against 127\.0\.0\.1:\d+/);
    expect(otherHost.code).toBe(2);
    expect(naive.received.length).toBe(before);
  });

  it('lists every probe and what it would send on --dry-run, sending nothing', async () => {
    const before = naive.received.length;
    const text = await cli([naive.url, '--dry-run', '--resource', '/users']);
    const json = await cli([
      naive.url,
      '--dry-run',
      '--format',
      'json',
      '--allow-writes-on',
      '127.0.0.1',
    ]);
    expect(text.code).toBe(0);
    for (const probe of PROBES) expect(text.stdout).toContain(probe.id);
    expect(text.stdout).toMatch(/input\.unknown-field \[live, writes\] skip \(write probe/);
    const plan = JSON.parse(json.stdout) as {
      writes: boolean;
      probes: { id: string; skipped?: string }[];
    };
    expect(plan.writes).toBe(true);
    expect(plan.probes.find((p) => p.id === 'input.unknown-field')!.skipped).toBeUndefined();
    expect(naive.received.length).toBe(before);
  });

  it('never sends more than --max-requests, and says the run is incomplete (exit 4)', async () => {
    const before = good.received.length;
    const result = await cli(
      [good.url, '--ca', tls.caFile, '--max-requests', '25', '--format', 'json'],
      { STEADFAST_CHECK_AUTH: `Bearer ${TOKENS.a}` },
    );
    const report = JSON.parse(result.stdout) as { incomplete: boolean; requests: { sent: number } };
    expect(result.code).toBe(4);
    expect(report.incomplete).toBe(true);
    expect(report.requests.sent).toBeLessThanOrEqual(25);
    expect(good.received.length - before).toBe(report.requests.sent);
  });

  it('never starts more than --rps requests in any one second', async () => {
    const start = naive.received.length;
    const result = await cli([
      naive.url,
      '--rps',
      '8',
      '--only',
      'security.internal-endpoints,observability.health',
    ]);
    expect(result.code).toBe(1);
    const arrivals = naive.received.slice(start).map((r) => r.at);
    expect(arrivals.length).toBeGreaterThan(12);
    // Starts are 125 ms apart; arrivals can bunch by the network's jitter, hence one extra.
    for (const [i, at] of arrivals.entries()) {
      const inWindow = arrivals.filter((other, j) => j >= i && other < at + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(9);
    }
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual((arrivals.length - 2) * 125);
  });

  it('exits 3 when the target does not answer', async () => {
    const result = await cli(['http://127.0.0.1:9', '--timeout', '2']);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/does not answer/);
  });

  it('exits 1 on a failing probe, and by --fail-under when it is given', async () => {
    const [strict, under, zero] = await Promise.all([
      cli([naive.url, '--resource', '/users', '--burst', '20', '--rps', '200', '--quiet']),
      cli([
        naive.url,
        '--resource',
        '/users',
        '--burst',
        '20',
        '--rps',
        '200',
        '--fail-under',
        '90',
      ]),
      cli([
        naive.url,
        '--resource',
        '/users',
        '--burst',
        '20',
        '--rps',
        '200',
        '--fail-under',
        '0',
      ]),
    ]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/FAIL {2}errors\.unknown-route/);
    expect(strict.stdout).toMatch(/Overall\s+\d+%/);
    expect(under.code).toBe(1);
    expect(zero.code).toBe(0);
  });

  it('passes a good API at --fail-under 90 and writes JUnit, JSON, SARIF and HTML reports', async () => {
    const files = {
      json: join(dir, 'r.json'),
      sarif: join(dir, 'r.sarif'),
      html: join(dir, 'r.html'),
    };
    const result = await cli(
      [
        good.url,
        '--ca',
        tls.caFile,
        '--allow-writes-on',
        new URL(good.url).host,
        '--rps',
        '100',
        '--format',
        'junit',
        '--output',
        files.json,
        '--output',
        files.sarif,
        '--output',
        files.html,
        '--fail-under',
        '90',
      ],
      { STEADFAST_CHECK_AUTH: `Bearer ${TOKENS.a}`, STEADFAST_CHECK_AUTH_B: `Bearer ${TOKENS.b}` },
    );
    expect(result.code, result.stderr).toBe(0);

    expect(XMLValidator.validate(result.stdout)).toBe(true);
    const junit = new XMLParser({ ignoreAttributes: false }).parse(result.stdout) as {
      testsuites: { '@_tests': string; '@_failures': string; testsuite: { testcase: unknown[] }[] };
    };
    expect(Number(junit.testsuites['@_tests'])).toBe(PROBES.length);
    expect(junit.testsuites['@_failures']).toBe('0');
    expect(junit.testsuites.testsuite).toHaveLength(6);

    const report = JSON.parse(readFileSync(files.json, 'utf8')) as {
      format: string;
      score: number;
      probes: unknown[];
    };
    expect(report.format).toBe('steadfast-check/report@1');
    expect(report.score).toBe(100);
    expect(report.probes).toHaveLength(PROBES.length);
    // Credentials never reach a report.
    for (const file of Object.values(files))
      expect(readFileSync(file, 'utf8')).not.toContain(TOKENS.a);

    const sarif = JSON.parse(readFileSync(files.sarif, 'utf8')) as {
      version: string;
      runs: {
        tool: { driver: { rules: { id: string }[] } };
        results: { ruleId: string; kind: string }[];
      }[];
    };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0]!.tool.driver.rules.map((r) => r.id).sort()).toEqual(
      PROBES.map((p) => p.id).sort(),
    );
    // Findings only: a good API has none.
    expect(sarif.runs[0]!.results).toEqual([]);

    expect(readFileSync(files.html, 'utf8')).toMatch(/^<!doctype html>/);
  });
});
