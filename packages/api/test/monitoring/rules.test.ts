import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  PROMETHEUS_DIR,
  RULE_FILES,
  RULE_TESTS_FILE,
  RUNBOOK_FILE,
  RUNBOOK_URL,
  SCRAPE_CONFIG_FILE,
  announceSkip,
  findExecutable,
  markdownAnchors,
  parseRules,
  readRules,
  run,
} from './monitoring-files.js';

const PROMTOOL = findExecutable('promtool');
if (!PROMTOOL) announceSkip('promtool rule checks', 'promtool');

interface AlertRuleTest {
  alertname: string;
  exp_alerts?: unknown[] | null;
}
interface RuleTests {
  rule_files: string[];
  evaluation_interval?: string;
  tests: { name: string; alert_rule_test?: AlertRuleTest[] }[];
}

const ruleTests = parse(readFileSync(RULE_TESTS_FILE, 'utf8')) as RuleTests;
const alerts = readRules().filter((rule) => rule.alert !== undefined);

describe('alert rules', () => {
  it('cover every condition the runbook promises', () => {
    expect(alerts.map((rule) => rule.alert).sort()).toEqual([
      'SteadfastAwaitingReconciliation',
      'SteadfastErrorBudgetFastBurn',
      'SteadfastErrorBudgetSlowBurn',
      'SteadfastEventLoopSaturated',
      'SteadfastJwksNearExpiry',
      'SteadfastJwksStale',
      'SteadfastLatencyBudgetFastBurn',
      'SteadfastLatencyBudgetSlowBurn',
      'SteadfastLoadShedding',
      'SteadfastNotReady',
      'SteadfastProcessorBreakerOpen',
      'SteadfastRateLimitSpike',
      'SteadfastTargetDown',
      'SteadfastWebhookBacklogAge',
      'SteadfastWebhookEndpointsDisabled',
    ]);
  });

  const anchors = markdownAnchors(readFileSync(RUNBOOK_FILE, 'utf8'));
  it.each(alerts)(
    '$alert has a severity, a summary, a description and a runbook section',
    (rule) => {
      expect(rule.labels?.severity).toMatch(/^(page|ticket)$/);
      expect(rule.annotations?.summary).toMatch(/\w{3,}/);
      expect(rule.annotations?.description).toMatch(/\w{3,}/);
      const url = rule.annotations?.runbook_url ?? '';
      expect(url.startsWith(`${RUNBOOK_URL}#`), url).toBe(true);
      const anchor = url.slice(RUNBOOK_URL.length + 1);
      expect(anchors.has(anchor), `docs/operations.md has no heading with anchor #${anchor}`).toBe(
        true,
      );
    },
  );

  it.each(alerts)('$alert is unit-tested both firing and silent', ({ alert }) => {
    const cases = ruleTests.tests.flatMap((test) => test.alert_rule_test ?? []);
    const own = cases.filter((test) => test.alertname === alert);
    expect(own.some((test) => (test.exp_alerts ?? []).length > 0)).toBe(true);
    expect(own.some((test) => (test.exp_alerts ?? []).length === 0)).toBe(true);
  });

  it('unit tests load the recording rules and the alerts', () => {
    expect(ruleTests.rule_files).toEqual(RULE_FILES.map((file) => basename(file)));
  });
});

/** Doctored copies of the rule files beside a unit-test file holding the tests of one alert. */
function doctoredCopy(alert: string, from: string, to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-rules-'));
  for (const file of RULE_FILES) copyFileSync(file, join(dir, basename(file)));
  const alertsFile = join(dir, 'alerts.yml');
  const text = readFileSync(alertsFile, 'utf8');
  // The doctoring must change something, or the test below would pass for the wrong reason.
  expect(text).toContain(from);
  writeFileSync(alertsFile, text.replace(from, to));
  // Only the tests where this alert is expected to fire: those are the ones the breakage fails.
  const tests = ruleTests.tests.filter((test) =>
    (test.alert_rule_test ?? []).some(
      (rule) => rule.alertname === alert && (rule.exp_alerts ?? []).length > 0,
    ),
  );
  writeFileSync(join(dir, 'alerts.test.yml'), stringify({ ...ruleTests, tests }));
  return dir;
}

describe.skipIf(!PROMTOOL)('promtool', { timeout: 120_000 }, () => {
  const promtool = PROMTOOL!;
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('accepts the rule files', async () => {
    const result = await run(promtool, ['check', 'rules', ...RULE_FILES], PROMETHEUS_DIR);
    expect(result.code, result.output).toBe(0);
    for (const file of RULE_FILES) {
      const count = parseRules(readFileSync(file, 'utf8')).length;
      expect(result.output).toContain(`SUCCESS: ${count} rules found`);
    }
  });

  it('accepts the sample Prometheus configuration', async () => {
    const result = await run(promtool, ['check', 'config', SCRAPE_CONFIG_FILE], PROMETHEUS_DIR);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('is valid prometheus config file syntax');
  });

  it('passes the rule unit tests', async () => {
    const result = await run(promtool, ['test', 'rules', RULE_TESTS_FILE], PROMETHEUS_DIR);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('SUCCESS');
  });

  // The unit tests are worth something only if they fail when an alert is broken.
  it.each([
    {
      alert: 'SteadfastErrorBudgetFastBurn',
      breakage: 'a threshold 100 times too high',
      from: 'job:steadfast_http_request_errors:ratio_rate5m > (14.4 * 0.001)',
      to: 'job:steadfast_http_request_errors:ratio_rate5m > (14.4 * 0.1)',
    },
    {
      alert: 'SteadfastProcessorBreakerOpen',
      breakage: 'a renamed metric',
      from: 'expr: steadfast_processor_breaker_state == 2',
      to: 'expr: steadfast_processor_breaker_status == 2',
    },
    {
      alert: 'SteadfastNotReady',
      breakage: 'a dropped `for:`',
      from: 'expr: steadfast_ready == 0\n        for: 2m\n',
      to: 'expr: steadfast_ready == 0\n',
    },
  ])('fail on $breakage in $alert', async ({ alert, from, to }) => {
    const dir = doctoredCopy(alert, from, to);
    dirs.push(dir);
    const result = await run(promtool, ['test', 'rules', 'alerts.test.yml'], dir);
    expect(result.code, result.output).not.toBe(0);
    expect(result.output).toContain(`alertname: ${alert}`);
  });
});
