import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** A process the topology started; enough to stop exactly it later, from another process. */
export interface StartedProcess {
  name: string;
  pid: number;
  /** Kernel start time of the pid (Linux /proc), so a recycled pid is never signalled. */
  startTime: string;
  logFile: string;
}

export interface StartOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** Own session: keeps running after the starting process exits (npm run staging). */
  detached: boolean;
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks); '' where /proc does not exist. */
function startTimeOf(pid: number): string {
  const fields = procStat(pid);
  return fields?.[19] ?? '';
}

/** /proc/<pid>/stat fields after the command name, which may itself contain spaces. */
function procStat(pid: number): string[] | undefined {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return undefined;
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** Whether the process is still the one that was started: alive, not a zombie, same start time. */
export function isRunning(started: Pick<StartedProcess, 'pid' | 'startTime'>): boolean {
  try {
    process.kill(started.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const fields = procStat(started.pid);
  if (fields === undefined) return !existsSync('/proc');
  if (fields[0] === 'Z') return false;
  return started.startTime === '' || fields[19] === started.startTime;
}

/** Starts a long-running process with stdout and stderr appended to its log file. */
export async function startProcess(
  name: string,
  command: string,
  args: string[],
  options: StartOptions,
): Promise<StartedProcess> {
  const fd = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: options.detached,
      stdio: ['ignore', fd, fd],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      child.once('error', (error) =>
        reject(new Error(`${name}: cannot run ${command}: ${error.message}`)),
      );
      child.once('spawn', () => resolve(child.pid!));
    });
    if (options.detached) child.unref();
    return { name, pid, startTime: startTimeOf(pid), logFile: options.logFile };
  } finally {
    closeSync(fd);
  }
}

/**
 * Sends `signal` and waits up to `graceMs` for the process to end, then SIGKILL. Does nothing
 * when the process is gone or its pid now belongs to another process.
 */
export async function stopProcess(
  started: StartedProcess,
  signal: NodeJS.Signals = 'SIGTERM',
  graceMs = 15_000,
): Promise<'stopped' | 'killed' | 'not running'> {
  if (!isRunning(started)) return 'not running';
  process.kill(started.pid, signal);
  if (await exited(started, graceMs)) return 'stopped';
  if (isRunning(started)) process.kill(started.pid, 'SIGKILL');
  await exited(started, 5_000);
  return 'killed';
}

/** Resolves true once the process has ended, false after `ms`. */
export async function exited(started: StartedProcess, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (isRunning(started)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** The last lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * Polls `probe` until it resolves true. Fails after `timeoutMs`, or as soon as `process` (when
 * given) has died, with the end of its log, so a crash on start is reported, not waited out.
 */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  process?: StartedProcess,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (process && !isRunning(process)) {
      throw new Error(`${what}: ${process.name} exited.\n${tail(process.logFile)}`);
    }
    if (Date.now() > deadline) {
      const log = process ? `\n${tail(process.logFile)}` : '';
      throw new Error(`${what}: not ready within ${timeoutMs} ms.${log}`);
    }
    await sleep(100);
  }
}
