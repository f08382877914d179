import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

/** One answer, or the error that took its place (refused, reset, timed out). */
export interface Outcome {
  method: string;
  path: string;
  requestId: string;
  /** When the request was sent (Date.now()). */
  at: number;
  /** From sending to the end of the answer (or the error). */
  durationMs?: number;
  status?: number;
  headers?: IncomingHttpHeaders;
  body?: string;
  error?: string;
}

export interface Client {
  send(
    method: string,
    path: string,
    options?: { key?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<Outcome>;
  close(): void;
}

/**
 * A keep-alive HTTP(S) client for one base URL, trusting `ca`, with a deadline per request and a
 * fresh X-Request-Id on each (so a test can find the request in nginx's and the instances' logs).
 * It never retries: what it records is exactly what a client would have seen.
 */
export function createClient(
  baseUrl: string,
  options: { ca?: string; timeoutMs?: number; maxSockets?: number } = {},
): Client {
  const https = baseUrl.startsWith('https:');
  const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
  const agent = https
    ? new HttpsAgent({ ...agentOptions, ca: options.ca })
    : new HttpAgent(agentOptions);
  const send = https ? httpsRequest : httpRequest;
  const timeoutMs = options.timeoutMs ?? 5_000;

  return {
    send(method, path, { key, body, headers = {} } = {}) {
      const requestId = `t_${randomUUID().replace(/-/g, '')}`;
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const outcome: Outcome = { method, path, requestId, at: Date.now() };
      return new Promise<Outcome>((resolve) => {
        const req = send(
          new URL(path, baseUrl),
          {
            method,
            agent,
            timeout: timeoutMs,
            headers: {
              'x-request-id': requestId,
              ...(key ? { authorization: `Bearer ${key}` } : {}),
              ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
              ...headers,
            },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () =>
              resolve({
                ...outcome,
                durationMs: Date.now() - outcome.at,
                status: res.statusCode,
                headers: res.headers,
                body: text,
              }),
            );
            res.on('error', (error) => resolve({ ...outcome, error: error.message }));
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
        req.on('error', (error) => resolve({ ...outcome, error: error.message }));
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}

/** The parsed JSON body of an outcome. */
export function json<T = Record<string, unknown>>(outcome: Outcome): T {
  return JSON.parse(outcome.body ?? 'null') as T;
}

/** A line describing an outcome, for assertion messages. */
export function describeOutcome(o: Outcome): string {
  return `${o.method} ${o.path} [${o.requestId}] → ${o.error ?? `${o.status} ${o.body?.slice(0, 200)}`}`;
}
