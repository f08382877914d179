import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

/** How the receiver answers the next request. */
export type ReceiverMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'hang' }
  | { kind: 'redirect'; location: string }
  | { kind: 'reset' };

export interface Arrival {
  /** The request path (several endpoints can point at one receiver). */
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Whether `standardwebhooks` (an implementation independent of ours) verified it with `secret`. */
  verified: boolean;
  /** Which of the receiver's secrets verified it. */
  verifiedWith: string[];
}

/**
 * A real webhook receiver on loopback: verifies each request's signature with the
 * `standardwebhooks` package, answers as told (a queue of modes, then `ok`), records what arrived.
 */
export async function startReceiver() {
  const arrivals: Arrival[] = [];
  const modes: ReceiverMode[] = [];
  let secrets: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const verifiedWith = secrets.filter((secret) => {
        try {
          new Webhook(secret).verify(body, req.headers as Record<string, string>);
          return true;
        } catch {
          return false;
        }
      });
      arrivals.push({
        url: req.url ?? '',
        headers: req.headers,
        body,
        verified: verifiedWith.length > 0,
        verifiedWith,
      });
      const mode = modes.shift() ?? { kind: 'ok' };
      switch (mode.kind) {
        case 'ok':
          res.writeHead(204).end();
          return;
        case 'status':
          res
            .writeHead(mode.status, mode.retryAfter ? { 'retry-after': mode.retryAfter } : {})
            .end('nope');
          return;
        case 'hang':
          return; // never answers: the sender's timeout ends it
        case 'redirect':
          res.writeHead(302, { location: mode.location }).end();
          return;
        case 'reset':
          req.socket.destroy();
          return;
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    arrivals,
    /** The secrets the receiver verifies with (set after creating the endpoint). */
    trust(...values: string[]) {
      secrets = values;
    },
    /** Answers the next requests in these ways, then `ok` again. */
    answer(...next: ReceiverMode[]) {
      modes.push(...next);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
