/**
 * A real Prometheus (the Debian package's binary) for integration tests: its own temporary
 * configuration and storage, listening on loopback, stopped and removed by `stop()`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, httpRequest } from '../support/process.js';

export interface PrometheusOptions {
  /** Absolute path of the prometheus binary. */
  binary: string;
  /** Scrape job name and its `host:port` target (path /metrics). */
  job: string;
  target: string;
  /** Absolute paths of rule files to load. */
  ruleFiles: string[];
  /** Scrape and rule evaluation interval. */
  interval: string;
}

/** One sample of an instant-query result. */
export interface Sample {
  metric: Record<string, string>;
  value: number;
}

interface QueryResponse {
  status: 'success' | 'error';
  error?: string;
  data?: {
    resultType: string;
    result: { metric: Record<string, string>; value: [number, string] }[];
  };
}

export interface Prometheus {
  url: string;
  /** GET a path of the HTTP API and parse its JSON. */
  get: <T>(path: string) => Promise<{ status: number; body: T }>;
  /** An instant query; rejects with Prometheus' error (e.g. a parse error) unless it succeeded. */
  query: (expr: string) => Promise<Sample[]>;
  /** Retries `probe` until it returns a value other than undefined, up to `timeoutMs`. */
  until: <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs?: number) => Promise<T>;
  /** Everything Prometheus printed, for failure messages. */
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts Prometheus and resolves once `/-/ready` answers 200. */
export async function startPrometheus(options: PrometheusOptions): Promise<Prometheus> {
  const dir = mkdtempSync(join(tmpdir(), 'steadfast-prometheus-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // JSON is YAML: no serialiser needed for the configuration.
  const config = {
    global: { scrape_interval: options.interval, evaluation_interval: options.interval },
    rule_files: options.ruleFiles,
    scrape_configs: [
      {
        job_name: options.job,
        metrics_path: '/metrics',
        static_configs: [{ targets: [options.target] }],
      },
    ],
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const child = spawn(
    options.binary,
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  // A spawn failure rejects; stop() only needs to know the process is gone.
  const exited = once(child, 'exit').catch(() => undefined);

  const get = async <T>(path: string) => {
    const response = await httpRequest(`${url}${path}`);
    return { status: response.status, body: JSON.parse(response.body) as T };
  };

  const query = async (expr: string): Promise<Sample[]> => {
    const { body } = await get<QueryResponse>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
    if (body.status !== 'success' || !body.data) {
      throw new Error(`query failed: ${expr}\n${body.error ?? JSON.stringify(body)}`);
    }
    return body.data.result.map(({ metric, value }) => ({ metric, value: Number(value[1]) }));
  };

  // Polling is the only way to learn that a scrape or a rule evaluation has happened.
  const until = async <T>(
    what: string,
    probe: () => Promise<T | undefined>,
    timeoutMs = 20_000,
  ): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`prometheus exited while waiting for ${what}\n${output}`);
      try {
        const value = await probe();
        if (value !== undefined) return value;
      } catch (error) {
        last = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out waiting for ${what} (${String(last)})\n${output}`);
      }
      await sleep(250);
    }
  };

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const prometheus = { url, get, query, until, output: () => output, stop };
  try {
    await until('/-/ready', async () =>
      (await httpRequest(`${url}/-/ready`)).status === 200 ? true : undefined,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return prometheus;
}
