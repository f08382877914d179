import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startProcess, type StartedProcess } from './processes.js';

/**
 * prometheus.yml for the staging topology: every instance's metrics listener (METRICS_PORT) in the
 * job `steadfast` that deploy/prometheus/alerts.yml expects, with that directory's recording rules
 * and alerts loaded. compose.yaml does the same with container names (deploy/compose/prometheus.yml).
 */
export function renderPrometheusConfig(
  targets: string[],
  ruleFiles: string[],
  environment = 'staging',
): string {
  // JSON strings are YAML strings, whatever characters a path holds.
  const quoted = (values: string[]) => values.map((value) => JSON.stringify(value)).join(', ');
  return [
    '# Rendered by deploy/staging/prometheus.ts.',
    'global:',
    '  scrape_interval: 5s',
    '  evaluation_interval: 15s',
    `rule_files: [${quoted(ruleFiles)}]`,
    'scrape_configs:',
    '  - job_name: steadfast',
    '    metrics_path: /metrics',
    '    static_configs:',
    `      - targets: [${quoted(targets)}]`,
    '        labels:',
    `          environment: ${environment}`,
    '',
  ].join('\n');
}

/** The repository's recording rules and alerts (deploy/prometheus), those that exist. */
export function repositoryRuleFiles(repoDir: string): string[] {
  return ['rules.yml', 'alerts.yml']
    .map((name) => join(repoDir, 'deploy/prometheus', name))
    .filter((file) => existsSync(file));
}

/** The prometheus binary (Debian package `prometheus`), if installed. */
export function prometheusBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':').concat('/usr/bin')) {
    const candidate = join(dir, 'prometheus');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Starts Prometheus on `listen` with its config and data under `dir`. */
export async function startPrometheus(
  binary: string,
  dir: string,
  targets: string[],
  options: { listen: string; detached: boolean; logFile: string; ruleFiles: string[] },
): Promise<StartedProcess> {
  mkdirSync(join(dir, 'data'), { recursive: true });
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, renderPrometheusConfig(targets, options.ruleFiles));
  return startProcess(
    'prometheus',
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      '--storage.tsdb.retention.time=2d',
      `--web.listen-address=${options.listen}`,
    ],
    {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      logFile: options.logFile,
      detached: options.detached,
    },
  );
}
