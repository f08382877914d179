import type { ProbeResult, Report } from './report.js';
import { xmlText } from './xml.js';

const seconds = (ms: number) => (ms / 1000).toFixed(3);

function testcase(result: ProbeResult): string {
  const name = xmlText(`${result.id}: ${result.title}`);
  const open = `    <testcase classname="steadfast-check.${result.section}" name="${name}" time="${seconds(result.durationMs)}"`;
  const body = [
    result.summary,
    ...result.details,
    '',
    `Why: ${result.rationale}`,
    `Fix: ${result.fix}`,
  ].join('\n');
  switch (result.status) {
    case 'fail':
      return `${open}>\n      <failure message="${xmlText(result.summary)}" type="${result.kind}">${xmlText(body)}</failure>\n    </testcase>`;
    case 'na':
      return `${open}>\n      <skipped message="${xmlText(result.summary)}"/>\n    </testcase>`;
    case 'warn':
      // JUnit has no "warning": the case passes and the warning is in its output.
      return `${open}>\n      <system-out>${xmlText(`WARN ${body}`)}</system-out>\n    </testcase>`;
    default:
      return `${open}/>`;
  }
}

/** JUnit XML: one suite per section, one case per probe; fail → failure, n/a → skipped. */
export function renderJunit(report: Report): string {
  const suites = report.sections.map((section) => {
    const results = report.probes.filter((probe) => probe.section === section.id);
    const time = results.reduce((sum, r) => sum + r.durationMs, 0);
    return [
      `  <testsuite name="${xmlText(section.title)}" tests="${results.length}" failures="${section.counts.fail}" errors="0" skipped="${section.counts.na}" time="${seconds(time)}">`,
      ...results.map(testcase),
      '  </testsuite>',
    ].join('\n');
  });
  const { pass, warn, fail, na } = report.counts;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="steadfast-check ${xmlText(report.target)}" tests="${pass + warn + fail + na}" failures="${fail}" errors="0" skipped="${na}" time="${seconds(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
