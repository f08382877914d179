import type { Report } from './report.js';

/** The report as JSON, with a format marker so consumers can detect future changes. */
export function renderJson(report: Report): string {
  return `${JSON.stringify({ format: 'steadfast-check/report@1', ...report }, null, 2)}\n`;
}
