import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';

/** One request and what it took, from the moment it was sent. */
export interface Sample {
  /** ms since the phase started. */
  at: number;
  /** 0 when there was no answer (error or the 10 s timeout). */
  status: number;
  /** ms until the TCP connection was established (new connections only). */
  connectMs?: number;
  totalMs: number;
  retryAfter?: string;
  contentType?: string;
  error?: string;
  /** Metrics scrapes: the longest event-loop delay since the previous scrape (ms). */
  loopLagMaxMs?: number;
}

const TIMEOUT_MS = 10_000;

/** One GET; `agent: false` opens a new connection for it, as an orchestrator's probe does. */
export function timedGet(
  url: string,
  options: { agent: Agent | false; key?: string; phaseStart: number; keepBody?: boolean },
): Promise<Sample> {
  const started = performance.now();
  const sample: Sample = { at: Math.round(started - options.phaseStart), status: 0, totalMs: 0 };
  const headers = options.key ? { authorization: `Bearer ${options.key}` } : {};
  return new Promise((resolve) => {
    const done = (error?: Error) => {
      if (sample.totalMs !== 0) return;
      sample.totalMs = Math.round((performance.now() - started) * 10) / 10;
      if (error) sample.error = (error as NodeJS.ErrnoException).code ?? error.message;
      resolve(sample);
    };
    const req = request(url, { agent: options.agent, headers, timeout: TIMEOUT_MS }, (res) => {
      sample.status = res.statusCode ?? 0;
      sample.retryAfter = res.headers['retry-after'];
      sample.contentType = res.headers['content-type'];
      let body = '';
      if (options.keepBody) res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      else res.resume();
      res.once('end', () => {
        // prom-client resets its event-loop histogram at each scrape: the max is since the last.
        const lag = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(body)?.[1];
        if (lag !== undefined) sample.loopLagMaxMs = Math.round(Number(lag) * 1000);
        done();
      });
      res.once('error', done);
    });
    req.once('socket', (socket) => {
      if (options.agent !== false) return;
      socket.once('connect', () => {
        sample.connectMs = Math.round((performance.now() - started) * 10) / 10;
      });
    });
    req.once('timeout', () => req.destroy(new Error('timeout')));
    req.once('error', done);
    req.end();
  });
}

/** The probes on the API port, the scrape, and the probes on the metrics listener. */
export type ProbeTarget = 'livez' | 'readyz' | 'metrics' | 'ops_livez' | 'ops_readyz';

/**
 * Probes every target from a new connection every `intervalMs`, without waiting for the previous
 * round: a probe that hangs shows as its own latency and never delays the next one.
 */
export function startProbing(
  urls: Record<ProbeTarget, string>,
  intervalMs: number,
  phaseStart: number,
) {
  const pending: Promise<void>[] = [];
  const samples: Record<ProbeTarget, Sample[]> = {
    livez: [],
    readyz: [],
    metrics: [],
    ops_livez: [],
    ops_readyz: [],
  };
  const round = () => {
    for (const [target, url] of Object.entries(urls) as [ProbeTarget, string][]) {
      pending.push(
        timedGet(url, { agent: false, phaseStart, keepBody: target === 'metrics' }).then(
          (s) => void samples[target].push(s),
        ),
      );
    }
  };
  round();
  const timer = setInterval(round, intervalMs);
  return {
    async stop(): Promise<Record<ProbeTarget, Sample[]>> {
      clearInterval(timer);
      await Promise.all(pending);
      return samples;
    },
  };
}

/**
 * A few keep-alive clients asking `url` in a loop, each answer timed: the sample of served and
 * shed latency (wrk reports one latency for both). A handful of connections, so it adds no load.
 */
export function startSampling(url: string, key: string, connections: number, phaseStart: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const samples: Sample[] = [];
  let running = true;
  const loop = async () => {
    while (running) samples.push(await timedGet(url, { agent, key, phaseStart }));
  };
  const loops = Array.from({ length: connections }, loop);
  return {
    async stop(): Promise<Sample[]> {
      running = false;
      await Promise.all(loops);
      agent.destroy();
      return samples;
    },
  };
}

/** Resident set (MiB) and open descriptors of a process, from /proc. */
export function processFootprint(pid: number): { rssMiB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
  return { rssMiB: Math.round(kb / 102.4) / 10, fds: readdirSync(`/proc/${pid}/fd`).length };
}

/**
 * CPU time a process has run and has waited runnable for a CPU, in ms (/proc/PID/schedstat):
 * the wait is the share of the machine the neighbours took, not the server's own work.
 */
export function schedulerTimes(pid: number): { runMs: number; waitMs: number } {
  const [run, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').trim().split(' ');
  return { runMs: Number(run) / 1e6, waitMs: Number(wait) / 1e6 };
}

/** TCP listen-queue overflows and drops of the whole host so far (/proc/net/netstat). */
export function listenOverflows(): { overflows: number; drops: number } {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n');
  const header = lines.find((l) => l.startsWith('TcpExt:'))!.split(' ');
  const values = lines.filter((l) => l.startsWith('TcpExt:'))[1]!.split(' ');
  const value = (name: string) => Number(values[header.indexOf(name)] ?? NaN);
  return { overflows: value('ListenOverflows'), drops: value('ListenDrops') };
}

/** Quantile of `values` (nearest rank); NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
