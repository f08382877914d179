import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { answersOk } from './http-probe.js';
import { startProcess, stopProcess, waitFor, type StartedProcess } from './processes.js';

const run = promisify(execFile);

/** How the API's processes run: compiled (`npm run build`, as in production) or from source. */
export type Runtime = 'dist' | 'tsx';

/** node arguments that run an entry of packages/api/src (`main`, `cli/migrate`…). */
export function entryArgs(runtime: Runtime, entry: string): string[] {
  return runtime === 'dist' ? [`dist/${entry}.js`] : ['--import', 'tsx', `src/${entry}.ts`];
}

export interface ApiSettings {
  apiDir: string;
  runtime: Runtime;
  /** Environment every process starts from, already holding the shared configuration. */
  env: NodeJS.ProcessEnv;
  detached: boolean;
  logDir: string;
}

/** Runs a CLI of the API (migrate, keys) to completion and returns its stdout. */
export async function runApiCli(settings: ApiSettings, entry: string, args: string[] = []) {
  const { stdout } = await run(process.execPath, [...entryArgs(settings.runtime, entry), ...args], {
    cwd: settings.apiDir,
    env: settings.env,
    timeout: 120_000,
  });
  return stdout;
}

/** Creates a tenant with `npm run keys` and returns its account id and API key. */
export async function createDemoKey(settings: ApiSettings, tenant: string) {
  const stdout = await runApiCli(settings, 'cli/keys', ['create', '--tenant', tenant]);
  const accountId = /^tenant (\S+)$/m.exec(stdout)?.[1];
  const apiKey = /^api_key (\S+)$/m.exec(stdout)?.[1];
  if (accountId === undefined || apiKey === undefined) {
    throw new Error(`keys CLI printed no key:\n${stdout}`);
  }
  return { accountId, apiKey };
}

/** Waits for `ready`; a process that never got ready is stopped, not left behind unrecorded. */
async function readyOrStopped(process: StartedProcess, ready: () => Promise<void>) {
  try {
    await ready();
  } catch (error) {
    await stopProcess(process, 'SIGKILL', 5_000);
    throw error;
  }
}

/** Starts the shared sandbox payment processor and waits until it listens. */
export async function startSandbox(settings: ApiSettings, port: number): Promise<StartedProcess> {
  const sandbox = await startProcess(
    'sandbox',
    process.execPath,
    [...entryArgs(settings.runtime, 'cli/sandbox'), '--host', '127.0.0.1', '--port', String(port)],
    {
      cwd: settings.apiDir,
      env: settings.env,
      detached: settings.detached,
      logFile: join(settings.logDir, 'sandbox.log'),
    },
  );
  // The sandbox answers 404 to `/`: any answer means it listens.
  await readyOrStopped(sandbox, () =>
    waitFor(
      'sandbox processor',
      async () => (await fetch(`http://127.0.0.1:${port}/`)).status > 0,
      60_000,
      sandbox,
    ),
  );
  return sandbox;
}

export interface InstancePorts {
  port: number;
  metricsPort: number;
}

/** Starts API instance `name` on its ports and waits until its /readyz answers 200. */
export async function startInstance(
  settings: ApiSettings,
  name: string,
  ports: InstancePorts,
): Promise<StartedProcess> {
  const instance = await startProcess(name, process.execPath, entryArgs(settings.runtime, 'main'), {
    cwd: settings.apiDir,
    env: {
      ...settings.env,
      PORT: String(ports.port),
      METRICS_PORT: String(ports.metricsPort),
    },
    detached: settings.detached,
    logFile: join(settings.logDir, `${name}.log`),
  });
  await readyOrStopped(instance, () =>
    waitFor(name, () => answersOk(`http://127.0.0.1:${ports.port}/readyz`), 90_000, instance),
  );
  return instance;
}
