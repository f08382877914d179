import type { FastifyReply } from 'fastify';
import { versionEtag } from '../caching/conditional-requests.js';

/** A response as a handler sends it and as the idempotency record keeps it for replays: one value for both. */
export interface RecordedResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** 201 Created with the new resource's `Location` and `ETag`. */
export function createdResponse(
  location: string,
  version: number,
  body: unknown,
): RecordedResponse {
  return { status: 201, body, headers: { location, etag: versionEtag(version) } };
}

/** Sends `response` as it was recorded, so a replay and the first answer cannot differ. */
export function sendRecorded(reply: FastifyReply, response: RecordedResponse): FastifyReply {
  return reply.code(response.status).headers(response.headers).send(response.body);
}
