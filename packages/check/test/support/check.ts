import { DEFAULTS, type CheckOptions } from '../../src/run/options.js';
import { runCheck } from '../../src/run/run-check.js';
import type { ProbeResult, Report } from '../../src/report/report.js';
import type { Status } from '../../src/probes/outcome.js';

/** Options for a run against a loopback fixture: fast pace, small burst, everything else default. */
export function optionsFor(baseUrl: string, overrides: Partial<CheckOptions> = {}): CheckOptions {
  return {
    baseUrl,
    openapi: [],
    resources: [],
    allowWrites: false,
    allowWritesOn: [],
    ...DEFAULTS,
    rps: 200,
    burst: 150,
    timeBudgetS: 60,
    insecure: false,
    only: [],
    skip: [],
    ...overrides,
  };
}

/** Runs the check in this process. */
export function check(baseUrl: string, overrides: Partial<CheckOptions> = {}): Promise<Report> {
  return runCheck(optionsFor(baseUrl, overrides));
}

/** Probe id → status, for compact assertions. */
export function statuses(report: Report): Record<string, Status> {
  return Object.fromEntries(report.probes.map((probe) => [probe.id, probe.status]));
}

/** A readable account of the probes that do not have the expected status, for failure messages. */
export function unexpected(report: Report, expected: (probe: ProbeResult) => boolean): string {
  return report.probes
    .filter((probe) => !expected(probe))
    .map(
      (probe) =>
        `${probe.id}: ${probe.status} — ${probe.summary}\n    ${probe.details.join('\n    ')}`,
    )
    .join('\n');
}
