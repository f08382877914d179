import type { Socket } from 'node:net';
import { STATUS_CODES } from 'node:http';
import { problemCatalogue, type ProblemCode } from '../errors/catalogue.js';
import { PROBLEM_CONTENT_TYPE, problemTypeUri } from '../errors/problem.js';

const BY_NODE_CODE: Record<string, ProblemCode> = {
  HPE_HEADER_OVERFLOW: 'request_header_fields_too_large',
  ERR_HTTP_REQUEST_TIMEOUT: 'request_timeout',
};

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (bad framing, huge headers,
 * request timeout) also answer problem+json, so even a broken client gets the one error shape.
 */
export function createClientErrorHandler(publicBaseUrl: string) {
  return (error: Error & { code?: string }, socket: Socket): void => {
    if (!socket.writable) {
      socket.destroy(error);
      return;
    }
    const code = (error.code && BY_NODE_CODE[error.code]) || 'bad_request';
    const definition = problemCatalogue[code];
    const body = JSON.stringify({
      type: problemTypeUri(publicBaseUrl, code),
      title: definition.title,
      status: definition.status,
      detail: 'The HTTP request could not be read.',
      instance: '/',
      code,
      request_id: 'none',
    });
    socket.end(
      `HTTP/1.1 ${definition.status} ${STATUS_CODES[definition.status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );
  };
}
