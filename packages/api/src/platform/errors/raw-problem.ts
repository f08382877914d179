import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { problemCatalogue, type ProblemCode } from './catalogue.js';
import { PROBLEM_CONTENT_TYPE, problemTypeUri } from './problem.js';

/**
 * Writes a problem+json response straight onto a socket and closes it, for requests Fastify
 * never sees (unparseable ones, CONNECT). Mints the request id, so the client and the log that
 * the caller writes share one; returns it.
 */
export function writeRawProblem(
  socket: Duplex,
  publicBaseUrl: string,
  problem: {
    code: ProblemCode;
    detail: string;
    instance?: string;
    headers?: Record<string, string>;
  },
): string {
  const requestId = `req_${randomUUID().replace(/-/g, '')}`;
  const definition = problemCatalogue[problem.code];
  const body = JSON.stringify({
    type: problemTypeUri(publicBaseUrl, problem.code),
    title: definition.title,
    status: definition.status,
    detail: problem.detail,
    instance: problem.instance ?? '/',
    code: problem.code,
    request_id: requestId,
  });
  const extra = Object.entries(problem.headers ?? {})
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('');
  socket.end(
    `HTTP/1.1 ${definition.status} ${STATUS_CODES[definition.status]}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\nX-Content-Type-Options: nosniff\r\n${extra}Connection: close\r\n\r\n${body}`,
  );
  return requestId;
}
