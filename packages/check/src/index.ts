/** Programmatic use: run the checks and render the report yourself. */
export { runCheck, TargetUnreachable, type Progress } from './run/run-check.js';
export { planCheck, type Plan } from './run/plan.js';
export { DEFAULTS, WriteRefusal, type CheckOptions } from './run/options.js';
export { PROBES } from './probes/registry.js';
export { render } from './report/render.js';
export type { Report, ProbeResult, SectionScore, Evidence } from './report/report.js';
