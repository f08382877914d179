import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { problemCatalogue } from '../errors/catalogue.js';
import { PROBLEM_CONTENT_TYPE, problemTypeUri } from '../errors/problem.js';
import { REQUEST_ID_HEADER, requestIdFor } from '../observability/request-id.js';
import { createConcurrencyLimit, type ConcurrencyLimit } from './concurrency-limit.js';
import { createQueueBound, createTurnQueueClock } from './queue-clock.js';

export interface AdmissionOptions {
  /** Longest a request may wait behind others in one event-loop turn; 0 = off. */
  maxQueueMs: number;
  /** The stricter bound that applies for overloadHoldMs after a refusal at maxQueueMs. */
  overloadQueueMs: number;
  /** How long the stricter bound applies (not extended while it runs); 0 = never. */
  overloadHoldMs: number;
  /** Bounds of the adaptive in-flight limit; max 0 = off. */
  concurrencyMin: number;
  concurrencyMax: number;
  /** Mean latency (ms) of admitted requests at or below which the in-flight limit never shrinks. */
  concurrencyToleratedMs: number;
  /** Paths (without query) always admitted and never counted: the health probes. */
  exemptPaths: string[];
  publicBaseUrl: string;
  /** Seconds in Retry-After. */
  retryAfterSeconds: number;
  /** Told about each refusal (metrics, a throttled log line). */
  onShed: (reason: 'queueTime' | 'concurrency', value: number) => void;
}

const pathOf = (url: string | undefined) => {
  const value = url ?? '/';
  const query = value.indexOf('?');
  return query === -1 ? value : value.slice(0, query);
};

/**
 * Admission control in front of Fastify (issue 20 §2): each request is admitted or refused the
 * moment Node hands it over, from two readings no timer has to refresh: how long it waited behind
 * the others of its event-loop turn (queue-clock.ts) and the adaptive limit on requests in flight
 * (concurrency-limit.ts). A refusal is a prebuilt 503 problem+json written straight to the socket,
 * skipping routing, hooks, logging and serialisation: measured on this API, a refusal through
 * the full Fastify pipeline cost about as much as serving, and shedding that way cut goodput to a
 * tenth. Health probes are always admitted.
 */
export function installAdmission(
  server: Server,
  options: AdmissionOptions,
): { limiter: ConcurrencyLimit | undefined } {
  const limiter =
    options.concurrencyMax > 0
      ? createConcurrencyLimit({
          min: options.concurrencyMin,
          max: options.concurrencyMax,
          toleratedMs: options.concurrencyToleratedMs,
        })
      : undefined;
  const clock = createTurnQueueClock();
  const exempt = new Set(options.exemptPaths);
  const tooLong = createQueueBound(options);
  const definition = problemCatalogue.service_unavailable;
  const type = JSON.stringify(problemTypeUri(options.publicBaseUrl, 'service_unavailable'));
  const head = `{"type":${type},"title":${JSON.stringify(definition.title)},"status":503,"detail":"The server is overloaded right now. Retry after the delay in Retry-After.","code":"service_unavailable"`;

  const refuse = (request: IncomingMessage, response: ServerResponse) => {
    const id = requestIdFor(request);
    const body = `${head},"instance":${JSON.stringify(pathOf(request.url))},"request_id":"${id}"}`;
    response.writeHead(503, {
      'content-type': PROBLEM_CONTENT_TYPE,
      'content-length': Buffer.byteLength(body),
      'retry-after': String(options.retryAfterSeconds),
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      [REQUEST_ID_HEADER]: id,
      // An unread body could trickle for minutes: do not keep the connection for it.
      ...(request.complete ? {} : { connection: 'close' }),
    });
    response.end(body);
  };

  const handlers = server.listeners('request') as ((
    request: IncomingMessage,
    response: ServerResponse,
  ) => void)[];
  server.removeAllListeners('request');
  const dispatch = (request: IncomingMessage, response: ServerResponse) => {
    for (const handler of handlers) handler.call(server, request, response);
  };

  const admit = (request: IncomingMessage, response: ServerResponse) => {
    if (exempt.has(pathOf(request.url))) return dispatch(request, response);
    const queued = clock.queuedMs();
    if (tooLong(queued)) {
      options.onShed('queueTime', queued);
      return refuse(request, response);
    }
    if (limiter) {
      const release = limiter.tryAcquire();
      if (!release) {
        options.onShed('concurrency', limiter.limit());
        return refuse(request, response);
      }
      // 'close' comes for every response, sent or aborted: the slot is always given back.
      response.once('close', release);
    }
    dispatch(request, response);
  };

  /** Connections whose first request was admitted: later ones go straight on. */
  const admitted = new WeakSet<Socket>();
  /** Requests of a connection waiting for its first to be admitted (pipelined ones keep order). */
  const waiting = new WeakMap<Socket, [IncomingMessage, ServerResponse][]>();
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const { socket } = request;
    if (admitted.has(socket)) return admit(request, response);
    const queued = waiting.get(socket);
    if (queued) return void queued.push([request, response]);
    waiting.set(socket, [[request, response]]);
    // The first request of a connection waits for the next poll phase, in which its client's
    // FIN, when the client already left, is read (libuv stops reading a socket at a partial read,
    // so a FIN that came with the request is only seen there): a client that sent its request
    // and closed (the burst's abandoned connections, accepted after it from the accept queue) is
    // not served; Node's own HTTP server aborts such a request anyway once it reads the FIN.
    // Measured in bench/overload: each abandoned list request cost ~1.5 ms, and a new connection
    // after a 2,000-connection burst waited 2.7–4.3 s behind them. Later requests on the
    // connection are not delayed.
    const check = () => {
      const requests = waiting.get(socket) ?? [];
      waiting.delete(socket);
      if (request.destroyed || socket.destroyed || socket.readableEnded) {
        socket.destroy();
        return;
      }
      admitted.add(socket);
      for (const [each, itsResponse] of requests) admit(each, itsResponse);
    };
    setImmediate(() => setImmediate(check));
  });
  return { limiter };
}
