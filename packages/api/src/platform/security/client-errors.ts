import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
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
  // Fastify calls this bound to the instance, which gives us its logger.
  return function onClientError(
    this: FastifyInstance,
    error: Error & { code?: string },
    socket: Socket,
  ): void {
    if (!socket.writable) {
      socket.destroy(error);
      return;
    }
    const code = (error.code && BY_NODE_CODE[error.code]) || 'bad_request';
    // No Fastify request exists yet, so mint the id here: the client and the log still share one.
    const requestId = `req_${randomUUID().replace(/-/g, '')}`;
    this.log.warn(
      { request_id: requestId, err_code: error.code, status: problemCatalogue[code].status },
      'unreadable HTTP request',
    );
    const definition = problemCatalogue[code];
    const body = JSON.stringify({
      type: problemTypeUri(publicBaseUrl, code),
      title: definition.title,
      status: definition.status,
      detail: 'The HTTP request could not be read.',
      instance: '/',
      code,
      request_id: requestId,
    });
    socket.end(
      `HTTP/1.1 ${definition.status} ${STATUS_CODES[definition.status]}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
