/**
 * The metrics listener's own thread (issue 20 §2): it accepts and answers connections on an event
 * loop the API's requests never occupy. Measured in bench/overload, a listener on the main loop
 * accepts one connection per turn of that loop, so in a flood its probes waited behind the API's
 * turns (2–6 s with 100 ms turns). Here each request is passed to the main thread, which answers
 * with the same routes as the API port; when the main thread has not answered a probe within
 * `answerWaitMs`, this thread answers for it from the main thread's heartbeat: its last answer to
 * that probe while the loop still turns, `503` once it has not turned for `stallLimitMs` (a wedged
 * process should be restarted; a busy one should not).
 *
 * Imports only node: builtins, so the same file runs as compiled JavaScript and, in development
 * and tests, through Node's own TypeScript type stripping.
 */
import { createServer, type ServerResponse } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

/** What the main thread passes in `workerData`. */
export interface OpsWorkerData {
  host: string;
  port: number;
  /** One BigInt64 slot: the main thread's Date.now() at its latest heartbeat. */
  heartbeat: SharedArrayBuffer;
  answerWaitMs: number;
  stallLimitMs: number;
  /** The `type` URI and title of `service_unavailable`, for the stalled answer. */
  problemType: string;
  problemTitle: string;
}

/** A response the main thread computed. */
export interface OpsAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Messages between the threads. */
export type ToMain =
  | { type: 'listening'; port: number }
  | { type: 'listen-error'; code: string | undefined; message: string }
  | { type: 'request'; id: number; method: string; path: string }
  | { type: 'closed' };
export type ToWorker =
  { type: 'answer'; id: number; path: string; answer: OpsAnswer } | { type: 'close' };

const PROBES = new Set(['/livez', '/readyz']);
const SERVED = new Set([...PROBES, '/metrics']);

function run(port: NonNullable<typeof parentPort>, data: OpsWorkerData): void {
  const heartbeat = new BigInt64Array(data.heartbeat);
  const post = (message: ToMain) => port.postMessage(message);
  const pending = new Map<number, { response: ServerResponse; head: boolean }>();
  /** The main thread's latest answer per probe path: what a busy loop would say again. */
  const lastAnswer = new Map<string, OpsAnswer>();
  let nextId = 1;

  const write = (response: ServerResponse, head: boolean, answer: OpsAnswer) => {
    if (response.headersSent || response.destroyed) return;
    response.writeHead(answer.statusCode, answer.headers);
    response.end(head ? undefined : answer.body);
  };
  const stalled = (stallMs: number): OpsAnswer => {
    const body = JSON.stringify({
      type: data.problemType,
      title: data.problemTitle,
      status: 503,
      detail: `The event loop has not turned for ${Math.round(stallMs)} ms.`,
      code: 'service_unavailable',
    });
    const headers = { 'content-type': 'application/problem+json; charset=utf-8' };
    return { statusCode: 503, headers: { ...headers, 'cache-control': 'no-store' }, body };
  };
  /** The answer to a probe the main thread did not answer in time. */
  const onBehalf = (path: string): OpsAnswer => {
    const stallMs = Date.now() - Number(Atomics.load(heartbeat, 0));
    if (stallMs >= data.stallLimitMs) return stalled(stallMs);
    const last = lastAnswer.get(path);
    if (last) return last;
    const body = JSON.stringify({ status: 'ok' });
    return {
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body,
    };
  };

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const method = request.method ?? 'GET';
    if (!SERVED.has(path) || (method !== 'GET' && method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    const id = nextId++;
    const head = method === 'HEAD';
    pending.set(id, { response, head });
    response.once('close', () => pending.delete(id));
    post({ type: 'request', id, method, path });
    if (PROBES.has(path)) {
      setTimeout(() => {
        if (pending.delete(id)) write(response, head, onBehalf(path));
      }, data.answerWaitMs).unref();
    }
  });
  server.keepAliveTimeout = 65_000;

  port.on('message', (message: ToWorker) => {
    if (message.type === 'close') {
      server.closeAllConnections();
      server.close(() => post({ type: 'closed' }));
      return;
    }
    // Kept even when it comes after this thread answered on the main thread's behalf.
    if (PROBES.has(message.path)) lastAnswer.set(message.path, message.answer);
    const waiting = pending.get(message.id);
    pending.delete(message.id);
    if (waiting) write(waiting.response, waiting.head, message.answer);
  });
  server.once('error', (error: NodeJS.ErrnoException) =>
    post({ type: 'listen-error', code: error.code, message: error.message }),
  );
  server.listen(data.port, data.host, () => {
    const address = server.address();
    post({ type: 'listening', port: typeof address === 'object' && address ? address.port : 0 });
  });
}

if (parentPort) run(parentPort, workerData as OpsWorkerData);
