import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import { addressPartition } from '../rate-limit/client-address.js';

/** What caps the listener's connections, and where the numbers came from (start-up line). */
export interface ConnectionLimits {
  /** Soft RLIMIT_NOFILE (`ulimit -n`) at start; undefined when unknown or unlimited. */
  descriptorLimit: number | undefined;
  /** Descriptors kept free for the database pool, logs, Redis, outbound calls and the metrics listener. */
  reserved: number;
  /** Open client connections at most; the excess is dropped at accept. */
  max: number;
  /** Open client connections per remote address at most; the excess is closed at once. */
  perAddress: number;
  /** listen(2) backlog of the API listener (the kernel caps it at net.core.somaxconn). */
  backlog: number;
}

export interface ConnectionSettings {
  /** MAX_CONNECTIONS; 0 = derived from the descriptor limit. */
  maxConnections: number;
  /** MAX_CONNECTIONS_PER_ADDRESS; 0 = derived from the total. */
  maxConnectionsPerAddress: number;
  /** LISTEN_BACKLOG. */
  listenBacklog: number;
}

/** Without a known descriptor limit (not Linux, `ulimit -n` unlimited) the total is this. */
const FALLBACK_MAX = 10_000;
/** Above this share of the total, idle keep-alive connections are closed to make room… */
const IDLE_SWEEP_SHARE = 0.8;
/** …the oldest first, down to this share… */
const IDLE_SWEEP_TARGET_SHARE = 0.7;
/**
 * …and at most this many per sweep: closing every idle connection at once (Node's
 * closeIdleConnections) stalled the event loop 1.6–3.3 s with 10,000 of them (bench/overload).
 */
const IDLE_SWEEP_BATCH = 1_000;
const IDLE_SWEEP_INTERVAL_MS = 1_000;

/** The soft descriptor limit of this process: /proc on Linux, `ulimit -n` elsewhere. */
export function readDescriptorLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    if (soft !== undefined) return /^\d+$/.test(soft) ? Number(soft) : undefined;
  } catch {
    // Not Linux: ask the shell.
  }
  try {
    const value = execFileSync('/bin/sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
    return /^\d+$/.test(value) ? Number(value) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Caps below the descriptor limit, so a flood of connections is refused instead of ending the
 * process with EMFILE (issue 20 §1: 20,000 idle connections from one address). The reserve is a
 * tenth of the limit (at least 100) plus the database pool. Per address: a quarter of the total,
 * or all of it behind a trusted proxy, whose connections all come from the proxy's address.
 */
export function resolveConnectionLimits(
  settings: ConnectionSettings,
  context: { descriptorLimit: number | undefined; dbPoolMax: number; behindProxy: boolean },
): ConnectionLimits {
  const { descriptorLimit } = context;
  const reserved =
    descriptorLimit === undefined
      ? 0
      : Math.max(100, Math.ceil(descriptorLimit / 10)) + context.dbPoolMax;
  const ceiling =
    descriptorLimit === undefined ? Infinity : Math.max(16, descriptorLimit - reserved);
  let max: number;
  if (settings.maxConnections > 0) max = Math.min(settings.maxConnections, ceiling);
  else max = descriptorLimit === undefined ? FALLBACK_MAX : ceiling;
  const derivedPerAddress = context.behindProxy ? max : Math.max(1, Math.floor(max / 4));
  const perAddress = Math.min(
    settings.maxConnectionsPerAddress > 0 ? settings.maxConnectionsPerAddress : derivedPerAddress,
    max,
  );
  return { descriptorLimit, reserved, max, perAddress, backlog: settings.listenBacklog };
}

export interface ConnectionObserver {
  /** A connection refused because a cap was reached. */
  refused: (reason: 'total' | 'per_address') => void;
}

/**
 * Enforces the caps on `server`: the total through Node's maxConnections (the excess is closed at
 * accept, before any JavaScript object exists for it), per address by closing the newest socket,
 * and, when the server is over 80% of its total, idle connections (no request in flight: idle
 * keep-alive, or headers not yet complete) closed oldest first, in bounded batches. An accept error
 * (EMFILE despite the caps: another component leaking descriptors) is logged, never thrown.
 * Returns the count of open connections, for the metrics.
 */
export function enforceConnectionLimits(
  server: Server,
  limits: ConnectionLimits,
  log: FastifyBaseLogger,
  observer: ConnectionObserver,
): { open: () => number } {
  server.maxConnections = limits.max;
  const perAddress = new Map<string, number>();
  /** Open connections, oldest first (a Map keeps insertion order), with their requests in flight. */
  const sockets = new Map<Socket, number>();
  let open = 0;
  let lastSweep = 0;
  let lastAcceptWarning = 0;

  // Requests in flight per connection: a connection with none is idle and may be swept.
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    const socket = request.socket;
    if (!sockets.has(socket)) return;
    sockets.set(socket, sockets.get(socket)! + 1);
    response.once('close', () => {
      if (sockets.has(socket)) sockets.set(socket, sockets.get(socket)! - 1);
    });
  });
  const sweepIdle = () => {
    const target = Math.floor(limits.max * IDLE_SWEEP_TARGET_SHARE);
    let closing = 0;
    for (const [socket, inFlight] of sockets) {
      if (open - closing <= target || closing >= IDLE_SWEEP_BATCH) break;
      if (inFlight > 0) continue;
      sockets.delete(socket);
      socket.destroy();
      closing += 1;
    }
  };

  server.on('drop', () => observer.refused('total'));
  server.on('connection', (socket: Socket) => {
    // Per IPv4 address or IPv6 /64, as the rate limits count: a /64 is one subscriber.
    const address = addressPartition(socket.remoteAddress ?? 'unknown');
    const count = (perAddress.get(address) ?? 0) + 1;
    if (count > limits.perAddress) {
      observer.refused('per_address');
      socket.destroy();
      return;
    }
    perAddress.set(address, count);
    open += 1;
    sockets.set(socket, 0);
    socket.once('close', () => {
      open -= 1;
      sockets.delete(socket);
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    const now = Date.now();
    if (open > limits.max * IDLE_SWEEP_SHARE && now - lastSweep > IDLE_SWEEP_INTERVAL_MS) {
      lastSweep = now;
      sweepIdle();
    }
  });
  server.once('listening', () => {
    server.on('error', (error: NodeJS.ErrnoException) => {
      const now = Date.now();
      if (now - lastAcceptWarning < 5_000) return;
      lastAcceptWarning = now;
      log.warn({ event: 'connection.accept_failed', err: error }, 'could not accept a connection');
    });
  });
  return { open: () => open };
}
