import { Worker } from 'node:worker_threads';
import type { Registry } from 'prom-client';
import type { ProbeAnswer } from '../health/ops-listener.js';
import type { OpsAnswer, OpsWorkerData, ToMain, ToWorker } from './ops-worker.js';

export interface MetricsServer {
  /** Where Prometheus scrapes, e.g. http://127.0.0.1:9464/metrics. */
  url: string;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  host: string;
  port: number;
  /** LIVENESS_STALL_MS: `/livez` here fails once the event loop has not turned for this long. */
  livenessStallMs?: number;
  /** The `type` URI and title of `service_unavailable`, for that answer (RFC 9457's default). */
  problem?: { type: string; title: string };
}

/** LIVENESS_STALL_MS's default, for callers without a configuration (tests). */
const DEFAULT_STALL_MS = 30_000;

/** How often the main thread tells the listener's thread that its event loop still turns. */
const HEARTBEAT_MS = 100;
/**
 * How long the listener's thread waits for the main thread's own answer to a probe before it
 * answers on its behalf: well inside the 1 s a probe may take (issue 20), and longer than a
 * turn of a busy but healthy loop, so an idle or busy process gives the routes' own answer.
 */
const PROBE_ANSWER_WAIT_MS = 300;

/** The worker's file: compiled JavaScript in dist/, the TypeScript source under tsx and vitest. */
const workerUrl = () =>
  new URL(import.meta.url.endsWith('.ts') ? './ops-worker.ts' : './ops-worker.js', import.meta.url);

/**
 * The metrics listener: `GET /metrics` in the Prometheus text format on its own port (loopback by
 * default), so the series (routes, error codes, volumes) are never served on the public API port.
 * With `probes`, it also answers the health probes (health/ops-listener.ts). It listens in a
 * thread of its own (ops-worker.ts), out of reach of a flood on the API port and of the main
 * event loop's turns; the answers still come from the main thread.
 */
export async function startMetricsServer(
  registry: Registry,
  options: MetricsServerOptions,
  probes?: (method: string, path: string) => Promise<ProbeAnswer> | undefined,
): Promise<MetricsServer> {
  const heartbeat = new SharedArrayBuffer(8);
  const beat = new BigInt64Array(heartbeat);
  Atomics.store(beat, 0, BigInt(Date.now()));
  const beating = setInterval(() => Atomics.store(beat, 0, BigInt(Date.now())), HEARTBEAT_MS);
  beating.unref();
  const workerData: OpsWorkerData = {
    host: options.host,
    port: options.port,
    heartbeat,
    answerWaitMs: PROBE_ANSWER_WAIT_MS,
    stallLimitMs: options.livenessStallMs ?? DEFAULT_STALL_MS,
    problemType: options.problem?.type ?? 'about:blank',
    problemTitle: options.problem?.title ?? 'Service Unavailable',
  };
  const worker = new Worker(workerUrl(), { workerData });
  const send = (message: ToWorker) => worker.postMessage(message);

  const answer = async (method: string, path: string): Promise<OpsAnswer> => {
    const probe = probes?.(method, path);
    if (probe) return probe;
    if (path !== '/metrics') return { statusCode: 404, headers: {}, body: 'not found\n' };
    const body = await registry.metrics();
    return { statusCode: 200, headers: { 'content-type': registry.contentType }, body };
  };
  const failed: OpsAnswer = {
    statusCode: 500,
    headers: { 'content-type': 'text/plain' },
    body: 'collection failed\n',
  };
  worker.on('message', (message: ToMain) => {
    if (message.type !== 'request') return;
    const { id, method, path } = message;
    answer(method, path).then(
      (computed) => send({ type: 'answer', id, path, answer: computed }),
      () => send({ type: 'answer', id, path, answer: failed }),
    );
  });

  const port = await new Promise<number>((resolve, reject) => {
    const onMessage = (message: ToMain) => {
      if (message.type === 'listening') resolve(message.port);
      if (message.type !== 'listen-error') return;
      const error = new Error(message.message) as NodeJS.ErrnoException;
      if (message.code) error.code = message.code;
      reject(error);
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the metrics listener exited (${code})`)));
  }).catch(async (error: unknown) => {
    clearInterval(beating);
    await worker.terminate();
    throw error;
  });
  // The thread must not keep a process alive that has nothing else to do.
  worker.unref();
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}/metrics`,
    close: async () => {
      clearInterval(beating);
      // Held until the thread says it closed: otherwise the process could end meanwhile.
      worker.ref();
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (message: ToMain) => message.type === 'closed' && resolve());
        worker.once('exit', () => resolve());
      });
      send({ type: 'close' });
      await closed;
      await worker.terminate();
    },
  };
}
