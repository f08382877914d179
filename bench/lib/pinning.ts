import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/** Which CPUs the server and the load generator run on (`taskset -c` lists). */
export interface Pinning {
  server: string;
  load: string;
}

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The server on CPU 0 and wrk on the others, when `taskset` exists and there are at least two
 * CPUs: the server then never competes with its own load generator for a core, and the figures
 * of different servers are taken under the same split. Undefined otherwise (nothing pinned).
 */
export function choosePinning(): Pinning | undefined {
  const count = cpus().length;
  if (count < 2 || !hasTaskset()) return undefined;
  return { server: '0', load: count === 2 ? '1' : `1-${count - 1}` };
}

/** `command args…` run through `taskset -c cpus` when `cpus` is given. */
export function pinned(cpuList: string | undefined, command: string, args: string[]) {
  return cpuList === undefined
    ? { command, args }
    : { command: 'taskset', args: ['-c', cpuList, command, ...args] };
}
