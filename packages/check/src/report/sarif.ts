import { createHash } from 'node:crypto';
import { isAbsolute, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Status } from '../probes/outcome.js';
import { PROBES } from '../probes/registry.js';
import { sectionTitle } from '../probes/sections.js';
import type { Report } from './report.js';

/** A SARIF artifact URI: URLs as they are, files as relative paths or file:// URLs. */
function artifactUri(location: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) return location;
  return isAbsolute(location) ? pathToFileURL(location).toString() : location.split(sep).join('/');
}

const LEVEL: Record<Status, Result.level> = {
  pass: 'none',
  warn: 'warning',
  fail: 'error',
  na: 'none',
};

/** Where the probes are described, per id. */
const PROBES_DOC = 'https://www.npmjs.com/package/steadfast-check#probes';

/** The rule's help in Markdown: why it matters, how to fix it, where it is described. */
function helpMarkdown(probe: (typeof PROBES)[number]): string {
  return [
    `**${probe.title}** (\`${probe.id}\`, ${probe.kind}${probe.writes ? ', writes' : ''})`,
    '',
    `**Why:** ${probe.rationale}`,
    '',
    `**Fix:** ${probe.fix}`,
    '',
    `[What ${probe.id} checks](${PROBES_DOC})`,
  ].join('\n');
}

/**
 * A fingerprint that stays the same from run to run for the same finding (the probe and where it
 * points), so code scanning tracks one alert instead of opening a new one each run.
 */
function fingerprint(ruleId: string, uri: string): string {
  return createHash('sha256').update(`${ruleId}\u0000${uri}`).digest('hex').slice(0, 32);
}

/**
 * SARIF 2.1.0 for code-scanning dashboards: one rule per probe, and one result per finding (a
 * probe that failed or warned), with a stable partial fingerprint. Static findings point at the
 * OpenAPI document, live ones at the target URL.
 */
export function renderSarif(report: Report): string {
  const rules: ReportingDescriptor[] = PROBES.map((probe) => ({
    id: probe.id,
    name: probe.title,
    shortDescription: { text: probe.title },
    fullDescription: { text: probe.rationale },
    help: { text: probe.fix, markdown: helpMarkdown(probe) },
    helpUri: PROBES_DOC,
    defaultConfiguration: { level: 'error' },
    properties: {
      section: sectionTitle(probe.section),
      kind: probe.kind,
      tags: [probe.section, probe.kind],
    },
  }));
  const results: Result[] = report.probes
    .filter((probe) => probe.status === 'fail' || probe.status === 'warn')
    .map((probe) => {
      const uri = artifactUri(
        probe.kind === 'static' && report.documents[0] ? report.documents[0] : report.target,
      );
      return {
        ruleId: probe.id,
        ruleIndex: rules.findIndex((rule) => rule.id === probe.id),
        kind: 'fail',
        level: LEVEL[probe.status],
        message: { text: [probe.summary, ...probe.details].join('\n') },
        locations: [{ physicalLocation: { artifactLocation: { uri } } }],
        partialFingerprints: { 'steadfastCheckFinding/v1': fingerprint(probe.id, uri) },
        properties: { status: probe.status, section: probe.section },
      };
    });
  const log: Log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            informationUri: 'https://www.npmjs.com/package/steadfast-check',
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            startTimeUtc: report.startedAt,
            endTimeUtc: new Date(Date.parse(report.startedAt) + report.durationMs).toISOString(),
          },
        ],
        results,
        properties: { target: report.target, score: report.score, requests: report.requests.sent },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
