import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Accepted inbound ids: bounded length and a log-safe alphabet (no spaces, quotes or newlines). */
const WELL_FORMED = /^[A-Za-z0-9._:-]{8,128}$/;

/** Reuses a well-formed inbound X-Request-Id so a trace spans services; otherwise mints one. */
export function requestIdFor(request: IncomingMessage): string {
  const inbound = request.headers[REQUEST_ID_HEADER];
  if (typeof inbound === 'string' && WELL_FORMED.test(inbound)) return inbound;
  return `req_${randomUUID().replace(/-/g, '')}`;
}
