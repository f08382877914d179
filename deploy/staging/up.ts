/**
 * `npm run staging`: the multi-instance topology on this machine (docs/staging.md). Ports, size
 * and stores come from STAGING_* variables; every other variable of the API's configuration set
 * in this shell reaches the instances unchanged. State goes to .staging/ (STAGING_STATE_DIR).
 */
import { execFileSync } from 'node:child_process';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Runtime } from './api-processes.js';
import { isRunning } from './processes.js';
import { loadState } from './state.js';
import { startTopology } from './topology.js';

const repoDir = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const env = process.env;

function number(name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

async function main(): Promise<void> {
  const stateDir = resolve(env.STAGING_STATE_DIR ?? join(repoDir, '.staging'));
  const previous = loadState(stateDir);
  if (previous?.processes.some(isRunning)) {
    throw new Error(`staging is already running (${stateDir}); stop it with npm run staging:down`);
  }
  const count = number('STAGING_INSTANCES', 2, 1, 16);
  const apiPort = number('STAGING_API_PORT', 3101, 1024, 65000);
  const metricsPort = number('STAGING_METRICS_PORT', 9465, 1024, 65000);
  const runtime: Runtime = env.STAGING_RUNTIME === 'tsx' ? 'tsx' : 'dist';
  if (runtime === 'dist') {
    process.stdout.write('Building the API (npm run build)…\n');
    execFileSync('npm', ['run', 'build', '-w', '@steadfast/api'], {
      cwd: repoDir,
      stdio: 'inherit',
    });
  }
  process.stdout.write('Starting the staging topology…\n');
  const topology = await startTopology({
    repoDir,
    stateDir,
    instances: Array.from({ length: count }, (_, i) => ({
      port: apiPort + i,
      metricsPort: metricsPort + i,
    })),
    httpsPort: number('STAGING_HTTPS_PORT', 8443, 1024, 65535),
    sandboxPort: number('STAGING_SANDBOX_PORT', 4010, 1024, 65535),
    prometheusPort: number('STAGING_PROMETHEUS_PORT', 9090, 1024, 65535),
    databaseUrl: env.STAGING_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/steadfast_staging',
    redisUrl: env.STAGING_REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisNamespace: 'steadfast:staging',
    runtime,
    baseEnv: env,
    detached: true,
    demoTenant: 'staging-demo',
  });

  const at = (path: string) => relative(process.cwd(), path) || '.';
  const key = topology.demo?.apiKey ?? '';
  process.stdout.write(
    [
      '',
      `Steadfast staging is up (state and logs in ${at(stateDir)}/).`,
      '',
      `  API through nginx (TLS):  ${topology.baseUrl}`,
      `  certificate to trust:     ${at(topology.caFile)}`,
      ...topology.instanceUrls.map(
        (url, i) => `  instance api-${i + 1}:           ${url}  (metrics :${metricsPort + i})`,
      ),
      `  sandbox processor:        http://127.0.0.1:${number('STAGING_SANDBOX_PORT', 4010, 1024, 65535)}`,
      `  Prometheus:               ${topology.prometheusUrl ?? 'not installed (apt-get install prometheus)'}`,
      '',
      `Demo tenant ${topology.demo?.accountId ?? ''}. Its API key (shown once):`,
      '',
      `    ${key}`,
      '',
      `Try: curl --cacert ${at(topology.caFile)} -H "Authorization: Bearer ${key}" ${topology.baseUrl}/v1/users`,
      'Stop: npm run staging:down',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`staging: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
