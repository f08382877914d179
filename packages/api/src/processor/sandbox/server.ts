/**
 * The built-in sandbox payment processor: a real HTTP server on loopback that `npm start` runs
 * when PAYMENT_PROCESSOR_URL is unset and tests start themselves. Its API and test tokens are in
 * README "Sandbox payment processor"; its rules live in ledger.ts.
 */
import { once } from 'node:events';
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
  type Server as HttpServer,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLedger, problem, type Ledger, type SandboxReply } from './ledger.js';

export interface SandboxOptions {
  /** Interface to bind; loopback by default. */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** How late `pm_card_slow` answers (default 1500 ms). */
  slowMs?: number;
  /** How long `pm_card_timeout` holds the socket before ending it unanswered (default 30 s). */
  hangMs?: number;
  /** Charges and refunds remembered, each (default DEFAULT_LEDGER_CAPACITY); oldest forgotten first. */
  capacity?: number;
}

export interface SandboxProcessor {
  url: string;
  close(): Promise<void>;
  chargeCount(): number;
  refundCount(): number;
  chargesFor(idempotencyKey: string): number;
}

const MAX_BODY_BYTES = 64 * 1024;

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  if (!/^application\/json\b/.test(request.headers['content-type'] ?? '')) {
    throw new BadRequest('Content-Type must be application/json.', 415);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest('Request body too large.', 413);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new BadRequest('Request body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequest('Request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

function positiveInteger(body: Record<string, unknown>, field: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new BadRequest(`${field} must be a positive integer (minor units).`);
  }
  return value;
}

function text(body: Record<string, unknown>, field: string, pattern = /^.{1,200}$/s): string {
  const value = body[field];
  if (typeof value !== 'string' || !pattern.test(value)) {
    throw new BadRequest(`${field} is missing or malformed.`);
  }
  return value;
}

function idempotencyKey(request: IncomingMessage): string {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new BadRequest('An Idempotency-Key header (1-255 printable characters) is required.');
  }
  return key;
}

async function route(ledger: Ledger, request: IncomingMessage): Promise<SandboxReply> {
  const url = new URL(request.url ?? '/', 'http://sandbox');
  const resource = { '/v1/charges': 'charge', '/v1/refunds': 'refund' }[url.pathname];
  if (resource === undefined) return problem(404, 'invalid_request_error', 'Unknown path.');
  if (request.method === 'GET') {
    const key = url.searchParams.get('idempotency_key');
    if (key === null) throw new BadRequest('The idempotency_key query parameter is required.');
    const found = resource === 'charge' ? ledger.findCharge(key) : ledger.findRefund(key);
    return found
      ? { kind: 'answer', status: 200, body: found }
      : problem(404, 'resource_missing', `No ${resource} under this idempotency key.`);
  }
  if (request.method !== 'POST') return problem(405, 'invalid_request_error', 'Use GET or POST.');
  const key = idempotencyKey(request);
  const body = await readJson(request);
  if (resource === 'charge') {
    return ledger.createCharge(key, {
      amount: positiveInteger(body, 'amount'),
      currency: text(body, 'currency', /^[A-Z]{3}$/),
      paymentMethod: text(body, 'payment_method'),
      reference: text(body, 'reference'),
    });
  }
  return ledger.createRefund(key, {
    chargeId: text(body, 'charge_id'),
    amount: positiveInteger(body, 'amount'),
    reference: text(body, 'reference'),
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(payload),
  });
  response.end(payload);
}

export async function startSandboxProcessor(
  options: SandboxOptions = {},
): Promise<SandboxProcessor> {
  const { host = '127.0.0.1', port = 0, slowMs = 1500, hangMs = 30_000 } = options;
  const ledger = createLedger({ capacity: options.capacity });
  // Pending slow answers and hung sockets, cleared on close() so nothing outlives the sandbox.
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, action: () => void) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      action();
    }, ms);
    timers.add(timer);
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    let reply: SandboxReply;
    try {
      reply = await route(ledger, request);
    } catch (error) {
      if (!(error instanceof BadRequest)) throw error;
      reply = problem(error.status, 'invalid_request_error', error.message);
    }
    if (reply.kind === 'hang') {
      // The charge is recorded; the caller never hears so: its outcome is unknown to it.
      later(hangMs, () => response.destroy());
      return;
    }
    const { status, body } = reply;
    if (reply.delayed) later(slowMs, () => send(response, status, body));
    else send(response, status, body);
  };

  const server: HttpServer = createServer((request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) send(response, 500, { error: { type: 'api_error' } });
    });
  });
  server.listen(port, host);
  await once(server, 'listening');
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${urlHost}:${address.port}`,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const closed = once(server, 'close');
      server.close();
      server.closeAllConnections();
      await closed;
    },
    chargeCount: ledger.chargeCount,
    refundCount: ledger.refundCount,
    chargesFor: ledger.chargesFor,
  };
}
