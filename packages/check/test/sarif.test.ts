import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import AjvModule from 'ajv-draft-04';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommand } from '../src/cli/arguments.js';
import { exitCodeFor } from '../src/cli/main.js';
import type { Report } from '../src/report/report.js';
import { renderSarif } from '../src/report/sarif.js';
import { listen, type Fixture } from './fixtures/listen.js';
import { check } from './support/check.js';

/*
 * SARIF for code scanning: findings only, stable fingerprints, Markdown help, and a log that the
 * OASIS SARIF 2.1.0 schema (vendored in test/fixtures, from the MIT-licensed @microsoft/jest-sarif)
 * accepts.
 */
const SCHEMA = JSON.parse(
  readFileSync(new URL('./fixtures/sarif-2.1.0.schema.json', import.meta.url), 'utf8'),
) as object;

interface SarifLog {
  runs: {
    tool: { driver: { rules: { id: string; help: { markdown?: string } }[] } };
    results: {
      ruleId: string;
      kind: string;
      level: string;
      partialFingerprints?: Record<string, string>;
    }[];
  }[];
}

let api: Fixture;
const reports: Report[] = [];

function json(res: ServerResponse, status: number, body: unknown, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

beforeAll(async () => {
  // Fails some probes (Server with a version, 200 for unknown routes), warns on none, passes others.
  api = await listen((req, res) =>
    json(res, 200, [{ id: 1 }, { id: 2 }], { server: 'fixture/1.2.3', 'x-request-id': 'r' }),
  );
  for (let i = 0; i < 2; i += 1) {
    reports.push(
      await check(api.url, {
        resources: ['/items'],
        only: [
          'errors.no-leaks',
          'errors.unknown-route',
          'observability.request-id',
          'security.hsts',
        ],
      }),
    );
  }
});

afterAll(async () => {
  await api?.close();
});

describe('SARIF output', () => {
  it('validates against the SARIF 2.1.0 schema', () => {
    // A CommonJS module: its class is the default export's `default`.
    const Ajv = (AjvModule as unknown as { default: typeof AjvModule.default }).default;
    // unicodeRegExp off: one pattern of the published schema (`language`) is not a valid
    // Unicode-mode regular expression.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    const validate = ajv.compile(SCHEMA);
    const log = JSON.parse(renderSarif(reports[0]!)) as unknown;
    expect(validate(log), ajv.errorsText(validate.errors)).toBe(true);
  });

  it('holds findings only, each with a fingerprint that is the same on the next run', () => {
    const [first, second] = reports.map((r) => JSON.parse(renderSarif(r)) as SarifLog);
    const failed = reports[0]!.probes.filter((p) => p.status === 'fail' || p.status === 'warn');
    expect(failed.length).toBeGreaterThan(0);
    const results = first!.runs[0]!.results;
    expect(results.map((r) => r.ruleId).sort()).toEqual(failed.map((p) => p.id).sort());
    expect(results.every((r) => r.kind === 'fail' && ['error', 'warning'].includes(r.level))).toBe(
      true,
    );
    const prints = (log: SarifLog) =>
      log.runs[0]!.results.map((r) => r.partialFingerprints?.['steadfastCheckFinding/v1']);
    expect(prints(first!).every((p) => typeof p === 'string' && p.length === 32)).toBe(true);
    expect(prints(second!)).toEqual(prints(first!));
  });

  it('gives every rule Markdown help', () => {
    const log = JSON.parse(renderSarif(reports[0]!)) as SarifLog;
    for (const rule of log.runs[0]!.tool.driver.rules) {
      expect(rule.help.markdown, rule.id).toMatch(/\*\*Why:\*\*.*\n\n\*\*Fix:\*\*/s);
    }
  });
});

describe('--fail-severity', () => {
  const report = (fail: number, warn: number, score: number) =>
    ({ counts: { pass: 1, warn, fail, na: 0 }, score, incomplete: false }) as unknown as Report;
  it('exits 1 on a warning with warn, not with fail, and combines with --fail-under', () => {
    expect(exitCodeFor(report(0, 1, 95), undefined, 'warn')).toBe(1);
    expect(exitCodeFor(report(0, 1, 95), undefined, 'fail')).toBe(0);
    expect(exitCodeFor(report(1, 0, 95), 90, undefined)).toBe(0);
    expect(exitCodeFor(report(1, 0, 95), 90, 'fail')).toBe(1);
    expect(exitCodeFor(report(0, 0, 80), 90, 'warn')).toBe(1);
    expect(exitCodeFor(report(1, 0, 80), undefined, undefined)).toBe(1);
  });
});

describe('short flags', () => {
  it('reads -f, -o and -V like --format, --output and --version', () => {
    const run = parseCommand(['http://127.0.0.1:1', '-f', 'json', '-o', 'r.sarif'], {});
    expect(run.kind === 'run' && run.format).toBe('json');
    expect(run.kind === 'run' && run.outputs).toEqual([{ file: 'r.sarif', format: 'sarif' }]);
    expect(parseCommand(['-V'], {}).kind).toBe('version');
    expect(() => parseCommand(['http://127.0.0.1:1', '--fail-severity', 'info'], {})).toThrow(
      /--fail-severity must be fail or warn/,
    );
  });
});
