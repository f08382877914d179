import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createDemoKey,
  runApiCli,
  startInstance as startApiInstance,
  startSandbox,
  type ApiSettings,
  type InstancePorts,
  type Runtime,
} from './api-processes.js';
import { generateCertificate } from './certificate.js';
import { answersOk } from './http-probe.js';
import { startNginx } from './nginx.js';
import { stopProcess, waitFor, type StartedProcess } from './processes.js';
import { prometheusBinary, repositoryRuleFiles, startPrometheus } from './prometheus.js';
import { ensureDatabase, ensurePostgres, ensureRedis, listening } from './services.js';
import { forgetState, saveState, type TopologyState } from './state.js';
import { stopRecorded } from './teardown.js';

/**
 * Stateless API nodes on PostgreSQL + Redis (docs/architecture.md) on one machine, every part a
 * real process on loopback: PostgreSQL and Redis, a shared sandbox payment processor, N API instances, nginx with TLS in
 * front, and Prometheus scraping each instance. `npm run staging` and the load-balancer tests
 * both start it through here.
 */
export interface TopologyOptions {
  repoDir: string;
  /** Where certificates, rendered configs, logs and state.json go. */
  stateDir: string;
  /** One entry per API instance: its API and metrics ports. */
  instances: InstancePorts[];
  httpsPort: number;
  sandboxPort: number;
  /** Prometheus listen port; undefined, or prometheus not installed, leaves it out. */
  prometheusPort?: number;
  databaseUrl: string;
  redisUrl: string;
  /** Keeps this topology's rate-limit keys and invalidation channel apart in a shared Redis. */
  redisNamespace: string;
  runtime: Runtime;
  /** Environment every process starts from; the topology's own variables override it. */
  baseEnv: NodeJS.ProcessEnv;
  /** More configuration for every instance (quotas, timeouts), applied last. */
  instanceEnv?: Record<string, string>;
  /** Processes outlive this one (npm run staging); false ties them to it (tests). */
  detached: boolean;
  /** Create a tenant with this name and return its key (npm run staging's demo key). */
  demoTenant?: string;
  /** nginx passive health checks. */
  maxFails?: number;
  failTimeoutSeconds?: number;
}

export interface Topology {
  /** The API through nginx: https://localhost:<httpsPort>. */
  baseUrl: string;
  /** The self-signed certificate clients must trust (PEM). */
  caCert: string;
  caFile: string;
  /** Each instance directly, bypassing nginx. */
  instanceUrls: string[];
  prometheusUrl?: string;
  demo?: { accountId: string; apiKey: string };
  /** The log file of a process (`api-1`, `nginx`, `sandbox`…). */
  logFile(name: string): string;
  /** SIGTERM to instance `index` (0-based); resolves once it has drained and exited. */
  stopInstance(index: number): Promise<void>;
  /** Starts instance `index` again; resolves once its /readyz answers 200. */
  startInstance(index: number): Promise<void>;
  /** Stops everything this topology started, newest first. */
  stop(): Promise<string[]>;
}

async function assertPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    if (await listening('127.0.0.1', port, 500)) {
      throw new Error(`port ${port} on 127.0.0.1 is already in use`);
    }
  }
}

function instanceEnvironment(
  options: TopologyOptions,
  baseUrl: string,
  cursorSecret: string,
): NodeJS.ProcessEnv {
  return {
    ...options.baseEnv,
    NODE_ENV: 'production',
    // Required in production; shared by the instances so a cursor works on any of them.
    CURSOR_SECRET: cursorSecret,
    HOST: '127.0.0.1',
    METRICS_HOST: '127.0.0.1',
    PUBLIC_BASE_URL: baseUrl,
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: options.redisUrl,
    RATE_LIMIT_REDIS_PREFIX: `${options.redisNamespace}:rl:`,
    CACHE_INVALIDATION_CHANNEL: `${options.redisNamespace}:invalidate`,
    // nginx connects from loopback; X-Forwarded-* from anywhere else is ignored.
    TRUST_PROXY: '127.0.0.1',
    PAYMENT_PROCESSOR_URL: `http://127.0.0.1:${options.sandboxPort}`,
    // Migrations run once, as a release step, before any instance starts.
    MIGRATE_ON_START: 'false',
    SEED_DEMO_TENANT: 'false',
    LOG_LEVEL: 'info',
    ...options.instanceEnv,
  };
}

/** Starts the whole topology; on any failure, stops what it had started and rethrows. */
export async function startTopology(options: TopologyOptions): Promise<Topology> {
  const logDir = join(options.stateDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const state: TopologyState = { processes: [], undo: [] };
  const save = () => saveState(options.stateDir, state);
  const record = (process: StartedProcess) => {
    state.processes.push(process);
    save();
    return process;
  };
  save();
  const baseUrl = `https://localhost:${options.httpsPort}`;
  const settings: ApiSettings = {
    apiDir: join(options.repoDir, 'packages/api'),
    runtime: options.runtime,
    env: instanceEnvironment(options, baseUrl, randomBytes(32).toString('base64url')),
    detached: options.detached,
    logDir,
  };
  const logFile = (name: string) => join(logDir, `${name}.log`);

  try {
    await assertPortsFree([
      options.httpsPort,
      options.sandboxPort,
      ...options.instances.flatMap((i) => [i.port, i.metricsPort]),
      ...(options.prometheusPort === undefined ? [] : [options.prometheusPort]),
    ]);
    const postgres = await ensurePostgres(options.databaseUrl);
    if (postgres) state.undo.push(postgres);
    save();
    await ensureDatabase(options.databaseUrl);
    const redis = await ensureRedis(options.redisUrl, {
      logFile: logFile('redis'),
      detached: options.detached,
      cwd: options.stateDir,
    });
    if (redis) record(redis);
    const tls = generateCertificate(join(options.stateDir, 'tls'));

    await runApiCli(settings, 'cli/migrate');
    const demo = options.demoTenant ? await createDemoKey(settings, options.demoTenant) : undefined;
    record(await startSandbox(settings, options.sandboxPort));
    await Promise.all(
      options.instances.map(async (ports, i) =>
        record(await startApiInstance(settings, `api-${i + 1}`, ports)),
      ),
    );

    const nginx = record(
      await startNginx(
        options.repoDir,
        join(options.stateDir, 'nginx'),
        {
          listen: `127.0.0.1:${options.httpsPort}`,
          serverName: 'localhost',
          certFile: tls.certFile,
          keyFile: tls.keyFile,
          publicBaseUrl: baseUrl,
          upstreams: options.instances.map((i) => `127.0.0.1:${i.port}`),
          maxFails: options.maxFails ?? 1,
          failTimeoutSeconds: options.failTimeoutSeconds ?? 2,
          accessLog: logFile('nginx-access'),
        },
        { detached: options.detached, logFile: logFile('nginx') },
      ),
    );
    const caCert = readFileSync(tls.certFile, 'utf8');
    await waitFor('nginx', () => answersOk(`${baseUrl}/readyz`, caCert), 15_000, nginx);

    const binary = prometheusBinary();
    let prometheusUrl: string | undefined;
    if (options.prometheusPort !== undefined && binary !== undefined) {
      const listen = `127.0.0.1:${options.prometheusPort}`;
      const prometheus = record(
        await startPrometheus(
          binary,
          join(options.stateDir, 'prometheus'),
          options.instances.map((i) => `127.0.0.1:${i.metricsPort}`),
          {
            listen,
            detached: options.detached,
            logFile: logFile('prometheus'),
            ruleFiles: repositoryRuleFiles(options.repoDir),
          },
        ),
      );
      prometheusUrl = `http://${listen}`;
      await waitFor('prometheus', () => answersOk(`${prometheusUrl}/-/ready`), 30_000, prometheus);
    }

    const instanceAt = (index: number) => {
      const name = `api-${index + 1}`;
      const ports = options.instances[index];
      if (ports === undefined) throw new Error(`no instance ${index}`);
      return { name, ports };
    };
    return {
      baseUrl,
      caCert,
      caFile: tls.certFile,
      instanceUrls: options.instances.map((i) => `http://127.0.0.1:${i.port}`),
      prometheusUrl,
      demo,
      logFile,
      async stopInstance(index) {
        const { name } = instanceAt(index);
        const running = state.processes.find((p) => p.name === name);
        if (!running) return;
        await stopProcess(running, 'SIGTERM', 30_000);
        state.processes.splice(state.processes.indexOf(running), 1);
        save();
      },
      async startInstance(index) {
        const { name, ports } = instanceAt(index);
        record(await startApiInstance(settings, name, ports));
      },
      async stop() {
        const report = await stopRecorded(state);
        forgetState(options.stateDir);
        return report;
      },
    };
  } catch (error) {
    await stopRecorded(state);
    forgetState(options.stateDir);
    throw error;
  }
}
