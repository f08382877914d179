/**
 * The monitoring files shipped in deploy/ (Prometheus rules, their unit tests, the Grafana
 * dashboard) and the runbook they link to, loaded for the monitoring suites.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { parse } from 'yaml';
import { API_DIR } from '../support/process.js';

export const REPO_ROOT = join(API_DIR, '..', '..');
export const PROMETHEUS_DIR = join(REPO_ROOT, 'deploy', 'prometheus');
/** Recording rules first: the alerts read them. */
export const RULE_FILES = [join(PROMETHEUS_DIR, 'rules.yml'), join(PROMETHEUS_DIR, 'alerts.yml')];
export const RULE_TESTS_FILE = join(PROMETHEUS_DIR, 'alerts.test.yml');
export const SCRAPE_CONFIG_FILE = join(PROMETHEUS_DIR, 'prometheus.yml');
export const DASHBOARD_FILE = join(REPO_ROOT, 'deploy', 'grafana', 'steadfast.json');
export const RUNBOOK_FILE = join(REPO_ROOT, 'docs', 'operations.md');
/** Where every alert's runbook_url points, followed by `#<section anchor>`. */
export const RUNBOOK_URL = 'https://github.com/steadfast/steadfast/blob/main/docs/operations.md';

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

interface RuleFile {
  groups: { name: string; rules: Rule[] }[];
}

/** The rules of a Prometheus rule file's text. */
export function parseRules(text: string): Rule[] {
  return (parse(text) as RuleFile).groups.flatMap((group) => group.rules);
}

/** Every rule of rules.yml and alerts.yml. */
export function readRules(): Rule[] {
  return RULE_FILES.flatMap((file) => parseRules(readFileSync(file, 'utf8')));
}

/** The text of rules.yml and alerts.yml, for tests that doctor it. */
export function readRuleTexts(): string[] {
  return RULE_FILES.map((file) => readFileSync(file, 'utf8'));
}

/**
 * Every query of a Grafana dashboard: panel targets and annotations (`expr`) and query variables
 * (`query`, a string or `{ query }`).
 */
export function dashboardQueries(dashboard: unknown): string[] {
  const queries: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== 'object' || node === null) return;
    const record = node as Record<string, unknown>;
    if (typeof record.expr === 'string') queries.push(record.expr);
    if (record.type === 'query') {
      const query = record.query;
      if (typeof query === 'string') queries.push(query);
      else if (typeof query === 'object' && query !== null && 'query' in query) {
        if (typeof query.query === 'string') queries.push(query.query);
      }
    }
    Object.values(record).forEach(visit);
  };
  visit(dashboard);
  return queries;
}

/** The queries of the runbook's ```promql blocks (separated by blank lines, comments dropped). */
export function runbookQueries(): string[] {
  const markdown = readFileSync(RUNBOOK_FILE, 'utf8');
  return [...markdown.matchAll(/```promql\n([\s\S]*?)```/g)].flatMap(([, block]) =>
    block!
      .split(/\n\s*\n/)
      .map((query) => query.replace(/^#.*$/gm, '').trim())
      .filter(Boolean),
  );
}

/** The dashboard JSON's text. */
export function readDashboardText(): string {
  return readFileSync(DASHBOARD_FILE, 'utf8');
}

/** Absolute path of `name` on PATH (or in /usr/bin), or undefined when it is not installed. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin'];
  for (const dir of dirs.filter(Boolean)) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // Not in this directory.
    }
  }
  return undefined;
}

/** Prints once why a suite is skipped, in the style of the other optional suites. */
export function announceSkip(suite: string, executable: string): void {
  process.stdout.write(
    `\n[steadfast] ${suite} SKIPPED: ${executable} is not installed ` +
      '(Debian package `prometheus`; `bash .ci/run` installs it).\n\n',
  );
}

/** Runs a command to completion; never rejects on a non-zero exit, which tests assert on. */
export function run(
  file: string,
  args: string[],
  cwd: string,
  timeoutMs = 120_000,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { cwd, timeout: timeoutMs }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`;
      if (!error) return resolve({ code: 0, output });
      // A number is the exit code; otherwise it did not run to an exit (ENOENT, killed on timeout).
      if (typeof error.code === 'number') return resolve({ code: error.code, output });
      reject(new Error(`${file} ${args.join(' ')}: ${error.message}\n${output}`));
    });
  });
}

/** GitHub's anchor for a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingAnchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

/** Anchors of every heading of a Markdown document. */
export function markdownAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const heading = fenced ? null : /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) anchors.add(headingAnchor(heading[1]!));
  }
  return anchors;
}
