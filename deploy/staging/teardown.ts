import { execFileSync } from 'node:child_process';
import { stopProcess, type StartedProcess } from './processes.js';
import type { TopologyState } from './state.js';

/** How long an instance may drain (SHUTDOWN_DELAY_MS + SHUTDOWN_TIMEOUT_MS, with room) before SIGKILL. */
const DRAIN_GRACE_MS = 30_000;

/** SIGQUIT is nginx's graceful shutdown (finish open requests); the others drain on SIGTERM. */
const signalFor = (process: StartedProcess): NodeJS.Signals =>
  process.name === 'nginx' ? 'SIGQUIT' : 'SIGTERM';

/**
 * Stops what `state` records, newest first: Prometheus and nginx, then every API instance at once
 * (each drains on its own), then the sandbox and a Redis it started, then undo commands (a
 * PostgreSQL cluster it started). Nothing else is touched. Returns one line per action.
 */
export async function stopRecorded(state: TopologyState): Promise<string[]> {
  const report: string[] = [];
  const pending = [...state.processes].reverse();
  while (pending.length > 0) {
    const isApi = pending[0]!.name.startsWith('api-');
    const batch = isApi ? pending.filter((p) => p.name.startsWith('api-')) : [pending[0]!];
    for (const process of batch) pending.splice(pending.indexOf(process), 1);
    const outcomes = await Promise.all(
      batch.map((process) => stopProcess(process, signalFor(process), DRAIN_GRACE_MS)),
    );
    batch.forEach((process, i) =>
      report.push(`${process.name} (pid ${process.pid}): ${outcomes[i]}`),
    );
  }
  for (const undo of [...state.undo].reverse()) {
    try {
      execFileSync(undo.command, undo.args, { stdio: 'pipe' });
      report.push(`${undo.name}: stopped`);
    } catch (error) {
      report.push(`${undo.name}: could not stop (${(error as Error).message.split('\n')[0]})`);
    }
  }
  return report;
}
