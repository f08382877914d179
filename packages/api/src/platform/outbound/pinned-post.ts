import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { PublicTarget } from './address-guard.js';

/** What one POST to a tenant's URL came to. `status` is absent when no response arrived. */
export interface PostResult {
  status?: number;
  headers?: IncomingHttpHeaders;
  /** The start of the response body, at most `maxResponseBytes`. */
  body?: string;
  error?: string;
  durationMs: number;
}

/**
 * POSTs `body` to a checked target, connecting to the address the guard approved (never a fresh
 * DNS answer), with one deadline for the whole exchange, no redirects followed (Node's client
 * never follows them; a 3xx is returned as is), and the response read up to a cap.
 */
export function pinnedPost(
  target: PublicTarget,
  headers: Record<string, string>,
  body: string,
  options: { timeoutMs: number; maxResponseBytes: number; now?: () => number },
): Promise<PostResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const pinned: LookupFunction = (_host, lookupOptions, callback) => {
    if ((lookupOptions as { all?: boolean }).all)
      (callback as (e: null, a: { address: string; family: number }[]) => void)(null, [
        { address: target.address, family: target.family },
      ]);
    else callback(null, target.address, target.family);
  };
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (result: Omit<PostResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, durationMs: Math.round(now() - started) });
    };
    const req = send(
      target.url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body).toString(),
          'user-agent': 'Steadfast-Webhooks/1',
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () =>
          finish({
            status: res.statusCode,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        res.on('data', (chunk: Buffer) => {
          if (size < options.maxResponseBytes)
            chunks.push(chunk.subarray(0, options.maxResponseBytes - size));
          size += chunk.length;
          // Enough read: the rest of a large or endless body is not our business.
          if (size >= options.maxResponseBytes) {
            done();
            res.destroy();
          }
        });
        res.on('end', done);
        res.on('error', (error) => finish({ status: res.statusCode, error: error.message }));
      },
    );
    const timer = setTimeout(() => {
      finish({ error: `timed out after ${options.timeoutMs} ms` });
      req.destroy();
    }, options.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ error: error.code ? `${error.code}: ${error.message}` : error.message }),
    );
    req.end(body);
  });
}
