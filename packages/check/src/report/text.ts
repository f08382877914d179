import picocolors from 'picocolors';
import type { Status } from '../probes/outcome.js';
import type { Plan } from '../run/plan.js';
import type { ProbeResult, Report } from './report.js';

/** The colour functions in use: picocolors' own (terminal-aware), or none for files. */
type Colors = ReturnType<typeof picocolors.createColors>;

/** Colours on when `enabled` (default: picocolors' detection of NO_COLOR, --no-color, a TTY). */
export function colors(enabled: boolean = picocolors.isColorSupported): Colors {
  return picocolors.createColors(enabled);
}

function labels(pc: Colors): Record<Status, (text: string) => string> {
  return {
    pass: (t) => pc.green(t),
    warn: (t) => pc.yellow(t),
    fail: (t) => pc.red(pc.bold(t)),
    na: (t) => pc.dim(t),
  };
}
const WORD: Record<Status, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', na: 'N/A ' };
const DETAIL_LINES = 6;

function bar(pc: Colors, score: number | null): string {
  if (score === null) return pc.dim('──────────');
  const filled = Math.round(score / 10);
  const paint = score >= 90 ? pc.green : score >= 70 ? pc.yellow : pc.red;
  return paint('█'.repeat(filled)) + pc.dim('░'.repeat(10 - filled));
}

function percent(score: number | null): string {
  return score === null ? ' n/a' : `${String(score).padStart(3)}%`;
}

function probeLines(pc: Colors, result: ProbeResult, idWidth: number): string[] {
  const head = `   ${labels(pc)[result.status](WORD[result.status])}  ${result.id.padEnd(idWidth)}  ${pc.dim(result.kind.padEnd(6))} ${result.summary}`;
  if (result.status === 'pass' || result.status === 'na') return [head];
  const details = result.details.slice(0, DETAIL_LINES).map((line) => pc.dim(`         ${line}`));
  if (result.details.length > DETAIL_LINES) {
    details.push(
      pc.dim(`         … ${result.details.length - DETAIL_LINES} more (see --format json or html)`),
    );
  }
  return [head, ...details, `         ${pc.cyan('fix:')} ${result.fix}`];
}

/** The terminal scorecard: sections with their score, each probe with its verdict. */
export function renderText(report: Report, pc: Colors = colors()): string {
  const lines: string[] = [];
  const idWidth = Math.max(...report.probes.map((probe) => probe.id.length));
  lines.push(`${pc.bold(`${report.tool.name} ${report.tool.version}`)}  ${report.target}`);
  lines.push(
    pc.dim(
      `OpenAPI: ${report.documents.length > 0 ? report.documents.join(', ') : 'none found'} · ` +
        `${report.requests.sent} requests in ${(report.durationMs / 1000).toFixed(1)} s · ` +
        `writes ${report.writes ? 'on' : 'off'}`,
    ),
  );
  for (const section of report.sections) {
    lines.push('');
    lines.push(
      `${pc.bold(section.title.padEnd(idWidth + 16))} ${percent(section.score)}  ${bar(pc, section.score)}`,
    );
    for (const result of report.probes.filter((probe) => probe.section === section.id)) {
      lines.push(...probeLines(pc, result, idWidth));
    }
  }
  lines.push('');
  const { pass, warn, fail, na } = report.counts;
  lines.push(
    `${pc.bold('Overall'.padEnd(idWidth + 16))} ${pc.bold(percent(report.score))}  ${bar(pc, report.score)}  ` +
      `${pc.green(`${pass} pass`)} · ${pc.yellow(`${warn} warn`)} · ${pc.red(`${fail} fail`)} · ${pc.dim(`${na} n/a`)}`,
  );
  for (const note of report.notes) lines.push(pc.dim(`note: ${note}`));
  return `${lines.join('\n')}\n`;
}

/** The dry-run listing: every probe, whether it would run, and what it would send. */
export function renderPlan(plan: Plan, pc: Colors = colors()): string {
  const lines = [
    `${pc.bold('Dry run')}: nothing is sent to ${plan.target}`,
    pc.dim(
      `limits: ${plan.limits.maxRequests} requests, ${plan.limits.rps}/s, ${plan.limits.timeBudgetS} s budget, ${plan.limits.timeoutS} s per request · ` +
        `writes ${plan.writes ? 'on' : 'off'} · credentials: ${plan.credentials.a ? 'A' : 'none'}${plan.credentials.b ? ' + B' : ''}`,
    ),
    `OpenAPI: ${plan.documents.join(', ') || 'none'}`,
    `collections: ${plan.collections.join(', ') || 'from the document found at run time'}`,
    '',
  ];
  for (const probe of plan.probes) {
    const state = probe.skipped ? pc.dim(`skip (${probe.skipped})`) : pc.green('run');
    lines.push(
      `${pc.bold(probe.id)} ${pc.dim(`[${probe.kind}${probe.writes ? ', writes' : ''}]`)} ${state}`,
    );
    for (const request of probe.requests) lines.push(pc.dim(`    ${request}`));
  }
  return `${lines.join('\n')}\n`;
}
