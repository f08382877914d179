import type { Status } from '../probes/outcome.js';
import { SECTIONS } from '../probes/sections.js';
import type { ProbeResult, SectionScore } from './report.js';

/** Pass, warn, fail and n/a counts of some results. */
export function countStatuses(results: readonly ProbeResult[]): Record<Status, number> {
  const counts: Record<Status, number> = { pass: 0, warn: 0, fail: 0, na: 0 };
  for (const result of results) counts[result.status] += 1;
  return counts;
}

/**
 * (pass + ½·warn) / (pass + warn + fail), in whole percent, rounded down so that 99.6% is not
 * shown as a perfect 100. Null when no probe applied: n/a never counts for or against.
 */
export function scoreOf(counts: Record<Status, number>): number | null {
  const applicable = counts.pass + counts.warn + counts.fail;
  if (applicable === 0) return null;
  return Math.floor(((counts.pass + counts.warn / 2) / applicable) * 100);
}

/** Scores per section, in checklist order, for the sections that have probes in this run. */
export function sectionScores(results: readonly ProbeResult[]): SectionScore[] {
  return SECTIONS.map(({ id, title }) => {
    const counts = countStatuses(results.filter((result) => result.section === id));
    return { id, title, score: scoreOf(counts), counts };
  }).filter((section) => Object.values(section.counts).some((n) => n > 0));
}
