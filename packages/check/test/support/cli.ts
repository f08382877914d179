import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** The bin script, exactly as npm links it. */
export const BIN = fileURLToPath(new URL('../../bin/steadfast-check.js', import.meta.url));
/** The repository root, where `npx steadfast-check` resolves the workspace's bin. */
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, with an environment free of steadfast-check credentials. */
export async function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...options.env };
  if (!options.env?.STEADFAST_CHECK_AUTH) delete env.STEADFAST_CHECK_AUTH;
  if (!options.env?.STEADFAST_CHECK_AUTH_B) delete env.STEADFAST_CHECK_AUTH_B;
  const child = spawn(command, args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

/** Runs `steadfast-check <args>` through the bin script. */
export function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCommand(process.execPath, [BIN, ...args], { env });
}
