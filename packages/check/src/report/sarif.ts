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
const KIND: Record<Status, Result.kind> = {
  pass: 'pass',
  warn: 'fail',
  fail: 'fail',
  na: 'notApplicable',
};

/**
 * SARIF 2.1.0 for code-scanning dashboards: one rule per probe, one result per probe with its
 * SARIF kind (pass, fail, notApplicable). Static findings point at the OpenAPI document, live
 * ones at the target URL.
 */
export function renderSarif(report: Report): string {
  const rules: ReportingDescriptor[] = PROBES.map((probe) => ({
    id: probe.id,
    name: probe.title,
    shortDescription: { text: probe.title },
    fullDescription: { text: probe.rationale },
    help: { text: probe.fix },
    properties: {
      section: sectionTitle(probe.section),
      kind: probe.kind,
      tags: [probe.section, probe.kind],
    },
  }));
  const results: Result[] = report.probes.map((probe) => ({
    ruleId: probe.id,
    ruleIndex: rules.findIndex((rule) => rule.id === probe.id),
    kind: KIND[probe.status],
    level: LEVEL[probe.status],
    message: { text: [probe.summary, ...probe.details].join('\n') },
    locations: [
      {
        physicalLocation: {
          artifactLocation: {
            uri: artifactUri(
              probe.kind === 'static' && report.documents[0] ? report.documents[0] : report.target,
            ),
          },
        },
      },
    ],
    properties: { status: probe.status, section: probe.section },
  }));
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
