import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StartedProcess } from './processes.js';
import type { UndoCommand } from './services.js';

/**
 * What a topology started, written to <state dir>/state.json after every step, so that
 * `npm run staging:down` (another process) stops exactly that, even after a failed start.
 */
export interface TopologyState {
  /** In start order; stopped in reverse. */
  processes: StartedProcess[];
  /** Commands that undo what was started outside our processes (the machine's PostgreSQL). */
  undo: UndoCommand[];
}

export const stateFile = (stateDir: string) => join(stateDir, 'state.json');

export function saveState(stateDir: string, state: TopologyState): void {
  const file = stateFile(stateDir);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(state, null, 2)}\n`);
}

/** The saved state, or undefined when nothing is recorded (never started, or already down). */
export function loadState(stateDir: string): TopologyState | undefined {
  const file = stateFile(stateDir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as TopologyState;
}

export function forgetState(stateDir: string): void {
  rmSync(stateFile(stateDir), { force: true });
}
