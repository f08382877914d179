import { writeFile } from 'node:fs/promises';
import type { Report } from '../report/report.js';
import { WriteRefusal } from '../run/options.js';
import { TOOL_NAME, VERSION } from '../version.js';
import { parseCommand, UsageError } from './arguments.js';
import { USAGE } from './usage.js';

// Everything else (the probes, the HTTP stack, the renderers, picocolors) is imported when a run
// needs it: --help and --version answer without loading it.

/** Exit codes, as --help documents them. */
export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3, incomplete: 4 } as const;

export interface Io {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

/**
 * The exit code a finished run earns: 1 when the score is below --fail-under, or a probe is at
 * --fail-severity or worse; with neither given, when any probe fails.
 */
export function exitCodeFor(
  report: Report,
  failUnder: number | undefined,
  failSeverity?: 'fail' | 'warn',
): number {
  const severity = failSeverity ?? (failUnder === undefined ? 'fail' : undefined);
  const belowScore = failUnder !== undefined && (report.score ?? 0) < failUnder;
  const tooSevere =
    severity !== undefined &&
    (report.counts.fail > 0 || (severity === 'warn' && report.counts.warn > 0));
  if (belowScore || tooSevere) return EXIT.failed;
  return report.incomplete ? EXIT.incomplete : EXIT.ok;
}

/** The whole CLI: parse, run (or plan), print and write reports, and return the exit code. */
export async function main(argv: string[], io: Io): Promise<number> {
  let command;
  try {
    command = parseCommand(argv, io.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`${TOOL_NAME}: ${error.message}\nRun ${TOOL_NAME} --help for the options.\n`);
    return EXIT.usage;
  }
  if (command.kind === 'help') {
    io.stdout.write(USAGE);
    return EXIT.ok;
  }
  if (command.kind === 'version') {
    io.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  if (command.kind === 'list-probes') {
    const { listProbes } = await import('./list-probes.js');
    io.stdout.write(listProbes(command.format === 'json'));
    return EXIT.ok;
  }
  const { unknownSelectors } = await import('../probes/registry.js');
  const unknown = unknownSelectors([...command.options.only, ...command.options.skip]);
  if (unknown.length > 0) {
    io.stderr.write(`${TOOL_NAME}: no probe matches ${unknown.join(', ')} (see --list-probes)\n`);
    return EXIT.usage;
  }
  const { default: picocolors } = await import('picocolors');
  const { render } = await import('../report/render.js');
  const { runCheck, TargetUnreachable } = await import('../run/run-check.js');
  // Colour only on a terminal (or when FORCE_COLOR asks): a redirected scorecard stays plain.
  const color =
    picocolors.isColorSupported && (io.stdout.isTTY === true || io.env.FORCE_COLOR !== undefined);
  try {
    if (command.dryRun) {
      const { planCheck } = await import('../run/plan.js');
      const { renderPlan } = await import('../report/text.js');
      const plan = await planCheck(command.options);
      io.stdout.write(
        command.format === 'json'
          ? `${JSON.stringify(plan, null, 2)}\n`
          : renderPlan(plan, picocolors.createColors(color)),
      );
      return EXIT.ok;
    }
    const { terminalProgress } = await import('../report/progress.js');
    const progress = terminalProgress(
      command.quiet ? ({ isTTY: false } as NodeJS.WriteStream) : io.stderr,
    );
    let report: Report;
    try {
      report = await runCheck(command.options, progress.update);
    } finally {
      progress.stop();
    }
    for (const output of command.outputs) {
      await writeFile(output.file, render(report, output.format, false));
    }
    io.stdout.write(render(report, command.format, color));
    if (command.outputs.length > 0 && command.format === 'text') {
      io.stdout.write(`reports written: ${command.outputs.map((o) => o.file).join(', ')}\n`);
    }
    return exitCodeFor(report, command.failUnder, command.failSeverity);
  } catch (error) {
    if (error instanceof WriteRefusal) {
      io.stderr.write(`${TOOL_NAME}: ${error.message}\n`);
      return EXIT.usage;
    }
    if (error instanceof TargetUnreachable) {
      io.stderr.write(`${TOOL_NAME}: ${error.message}\n`);
      return EXIT.unreachable;
    }
    throw error;
  }
}
