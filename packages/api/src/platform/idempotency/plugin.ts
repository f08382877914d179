import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from 'typebox';
import type { IdempotencyConfig } from '../../config/index.js';
import type { Database } from '../../db/schema.js';
import { principalOf } from '../auth/authenticate.js';
import { validationFailed } from '../errors/api-error.js';
import type { ProblemCode } from '../errors/catalogue.js';
import { addProblemResponses } from '../errors/problem-schema.js';
import './context.js';
import {
  REPLAYED_HEADERS,
  begin,
  createContext,
  finish,
  inProgress,
  keyMissing,
  keyReused,
  type Execution,
} from './execution.js';
import { KEY_PATTERN, isValidKey, requestFingerprint } from './fingerprint.js';
import type { IdempotencyRecord } from './store.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

export interface IdempotencyOptions {
  db: Kysely<Database>;
  settings: IdempotencyConfig;
}

const isPost = (route: Pick<RouteOptions, 'method'>) =>
  (Array.isArray(route.method) ? route.method : [route.method]).includes('POST');

function keyHeaderSchema(required: boolean, ttlHours: number) {
  return Type.String({
    minLength: 1,
    maxLength: 255,
    pattern: KEY_PATTERN,
    description:
      `${required ? '**Required.** ' : ''}A key you choose per operation (a UUID v4 is ideal), ` +
      `1–255 printable ASCII characters. A retry with the same key and the same request replays ` +
      `the first response (with \`Idempotent-Replayed: true\`) instead of acting twice, for ` +
      `${ttlHours} h; the same key with another request is 422 \`idempotency_key_reused\`.`,
    examples: ['4f1c3a5e-8b2d-4c6f-9e7a-1d2b3c4d5e6f'],
  });
}

/**
 * Documents Idempotency-Key on a POST route: the header joins the route's header schema (other
 * headers stay allowed) and the idempotency problems join its documented responses. The header
 * is validated by the schema, so a malformed key is a 400 before anything else happens; its
 * absence is checked in preHandler, where a required key gives `idempotency_key_missing`.
 */
function documentRoute(route: RouteOptions, settings: IdempotencyConfig) {
  const mode = route.config?.idempotency;
  if (!isPost(route)) {
    if (mode !== undefined)
      throw new Error(`${String(route.method)} ${route.url}: config.idempotency is for POST only`);
    return;
  }
  const headers = (route.schema?.headers ?? Type.Object({})) as {
    properties?: Record<string, unknown>;
  };
  const codes: ProblemCode[] = ['idempotency_request_in_progress', 'idempotency_key_reused'];
  if (mode === 'required') codes.push('idempotency_key_missing');
  route.schema = {
    ...route.schema,
    headers: {
      ...headers,
      properties: {
        ...headers.properties,
        [IDEMPOTENCY_KEY_HEADER]: keyHeaderSchema(mode === 'required', settings.ttlHours),
      },
    },
    response: addProblemResponses(
      (route.schema?.response ?? {}) as Record<string, unknown>,
      route.url,
      ...codes,
    ),
  };
}

function replay(reply: FastifyReply, record: IdempotencyRecord): FastifyReply {
  const headers = JSON.parse(record.response_headers ?? '{}') as Record<string, string>;
  reply.code(record.response_status ?? 200);
  for (const [name, value] of Object.entries(headers)) reply.header(name, value);
  reply.header(REPLAYED_HEADER, 'true');
  if (record.response_body === null) return reply.send();
  if (headers['content-type'] === undefined) reply.type('application/json; charset=utf-8');
  return reply.send(record.response_body);
}

function payloadText(payload: unknown): string | null | undefined {
  if (payload === null || payload === undefined) return null;
  if (typeof payload === 'string') return payload;
  if (Buffer.isBuffer(payload)) return payload.toString('utf8');
  return undefined; // a stream: not something to record
}

function recordedHeaders(reply: FastifyReply): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of REPLAYED_HEADERS) {
    const value = reply.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return headers;
}

/**
 * Idempotency-Key on every POST of `app`'s (authenticated) context. Register after
 * authentication: records are per account. See README "Idempotency" for the protocol.
 */
export function registerIdempotency(app: FastifyInstance, options: IdempotencyOptions): void {
  const { db, settings } = options;
  const executions = new WeakMap<FastifyRequest, Execution>();
  app.decorateRequest('idempotency', undefined);
  app.addHook('onRoute', (route) => documentRoute(route, settings));

  // preHandler: after authentication and validation, so a refused request never takes a key.
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const key = request.headers[IDEMPOTENCY_KEY_HEADER];
    if (key === undefined) {
      if (request.routeOptions.config.idempotency === 'required') throw keyMissing();
      return;
    }
    if (!isValidKey(key)) {
      throw validationFailed({
        in: 'header',
        pointer: `/${IDEMPOTENCY_KEY_HEADER}`,
        detail: 'must be 1-255 printable ASCII characters',
      });
    }
    const outcome = await begin(db, settings, {
      accountId: principalOf(request).accountId,
      key,
      fingerprint: requestFingerprint(request.method, request.url, request.body),
      method: request.method,
      path: request.url,
    });
    const count = (name: string) => request.server.metrics.idempotency.inc({ outcome: name });
    switch (outcome.kind) {
      case 'mismatch':
        count('key_reused');
        request.log.info({ event: 'idempotency.key_reused' }, 'idempotency key reused');
        throw keyReused();
      case 'in_progress':
        count('in_progress');
        request.log.info({ event: 'idempotency.in_progress' }, 'idempotency key in progress');
        throw inProgress();
      case 'replay':
        count('replayed');
        request.log.info(
          { event: 'idempotency.replayed', idempotency_record: outcome.record.id },
          'idempotent replay',
        );
        return replay(reply, outcome.record);
      case 'execute': {
        const execution: Execution = { recordId: outcome.recordId, lockToken: outcome.lockToken };
        const resumed = outcome.recoveryPoint !== 'started' || outcome.resourceId !== null;
        count(resumed ? 'resumed' : 'executed');
        if (resumed) {
          request.log.info(
            {
              event: 'idempotency.resumed',
              idempotency_record: outcome.recordId,
              recovery_point: outcome.recoveryPoint,
            },
            'idempotent request resumed',
          );
        }
        executions.set(request, execution);
        request.idempotency = createContext(key, execution, outcome);
      }
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const execution = executions.get(request);
    if (execution === undefined) return payload;
    executions.delete(request);
    if (request.deadline?.aborted) {
      // 503 handler_timeout while the handler may still be running: it records its own response
      // when its transaction commits (complete()), or the lock expires after
      // IDEMPOTENCY_LOCK_TIMEOUT_MS. Releasing the key now would let a retry execute the request
      // a second time alongside the first (and, with the database frozen, would hold this very
      // answer until the database came back).
      return payload;
    }
    const body = payloadText(payload);
    const response =
      body === undefined
        ? undefined
        : { status: reply.statusCode, headers: recordedHeaders(reply), body };
    try {
      await finish(db, execution, response);
    } catch (error) {
      // The answer still goes out; the record stays locked until IDEMPOTENCY_LOCK_TIMEOUT_MS.
      request.log.warn(
        { err: error, event: 'idempotency.finish_failed', idempotency_record: execution.recordId },
        'could not record the idempotent response',
      );
    }
    return payload;
  });
}
