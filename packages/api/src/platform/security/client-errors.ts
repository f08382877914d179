import type { FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import { problemCatalogue, type ProblemCode } from '../errors/catalogue.js';
import { writeRawProblem } from '../errors/raw-problem.js';

const BY_NODE_CODE: Record<string, { code: ProblemCode; detail: string }> = {
  HPE_HEADER_OVERFLOW: {
    code: 'request_header_fields_too_large',
    detail: 'The HTTP request could not be read.',
  },
  ERR_HTTP_REQUEST_TIMEOUT: {
    code: 'request_timeout',
    detail: 'The HTTP request could not be read.',
  },
  // A method token Node's parser does not know: no resource here can implement it (RFC 9110 §15.6.2).
  HPE_INVALID_METHOD: {
    code: 'method_not_implemented',
    detail: 'The request method is not one this API implements for any resource.',
  },
};
const UNREADABLE = { code: 'bad_request' as const, detail: 'The HTTP request could not be read.' };

/**
 * Errors Node's HTTP parser raises before Fastify sees a request (bad framing, huge headers,
 * request timeout, an unknown method) also answer problem+json, so even a broken client gets
 * the one error shape.
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
    const { code, detail } = (error.code && BY_NODE_CODE[error.code]) || UNREADABLE;
    const requestId = writeRawProblem(socket, publicBaseUrl, { code, detail });
    this.log.warn(
      { request_id: requestId, err_code: error.code, status: problemCatalogue[code].status },
      'unreadable HTTP request',
    );
  };
}
