import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { buildProblem, sendProblem } from '../errors/problem.js';
import { problemResponse } from '../errors/problem-schema.js';

export interface HealthOptions {
  /** Checks the dependencies readiness needs (the database); throws when one is down. */
  checkDependencies: () => Promise<void>;
  /** READINESS_TIMEOUT_MS: a dependency that has not answered by then counts as down. */
  checkTimeoutMs: number;
  /** True once shutdown has begun: the node should leave the load balancer. */
  isDraining: () => boolean;
  /**
   * Dependencies that work in a reduced way without failing readiness (the JWKS served stale while
   * the identity provider is down): each returns a sentence while degraded, undefined when fine.
   */
  degradations: Record<string, () => string | undefined>;
  /** Builds the problem `type` URIs. */
  publicBaseUrl: string;
}

const HealthStatus = Type.Object({
  status: Type.Literal('ok'),
  checks: Type.Optional(Type.Record(Type.String(), Type.Literal('ok'))),
});
const ReadinessStatus = Type.Object({
  ...HealthStatus.properties,
  degraded: Type.Optional(
    // A sentence we write ourselves (never client input), bounded so the document says so.
    Type.Record(Type.String(), Type.String({ maxLength: 500, pattern: '^[^\\u0000-\\u001f]*$' }), {
      description:
        'Dependencies working in a reduced way that do not fail readiness, e.g. `jwks` while the identity provider is down and the last good key set is served.',
    }),
  ),
});
const healthy = (examples: unknown[]) => ({ ...HealthStatus, examples });

/**
 * Runs `check` but gives up after `timeoutMs`: a database that accepts connections and then never
 * answers (frozen, partitioned) must make readiness fail fast, not hold the probe until the
 * orchestrator's own timeout, which reads as "no answer" rather than "not ready" (issue 14).
 */
export async function withinDeadline(check: () => Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([check(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness (the process answers) and readiness (it should receive traffic). */
export function registerHealthRoutes(app: FastifyInstance, options: HealthOptions): void {
  /** 503 in the one error shape, with the failing dependency as the `checks` member. */
  const notReady = (
    request: FastifyRequest,
    reply: FastifyReply,
    detail: string,
    checks: Record<string, string>,
  ) => {
    reply.header('retry-after', '5');
    const problem = buildProblem(options.publicBaseUrl, request, 'service_unavailable', detail);
    return sendProblem(reply, { ...problem, checks });
  };
  const common = { schema: { tags: ['health'], security: [] } };
  app.get(
    '/livez',
    {
      ...common,
      schema: {
        ...common.schema,
        operationId: 'getLiveness',
        summary: 'Liveness probe: the process answers',
        description:
          'For the orchestrator: 200 whenever the process can answer, even while shedding load or draining, so a busy instance is not restarted. No credentials, no rate limit.',
        // Health probes are exempt from rate limits and load shedding: only a bug answers 5xx.
        response: {
          200: healthy([{ status: 'ok' }]),
          500: problemResponse('internal_error', '/livez'),
        },
      },
    },
    async () => ({ status: 'ok' as const }),
  );
  app.get(
    '/readyz',
    {
      ...common,
      schema: {
        ...common.schema,
        operationId: 'getReadiness',
        summary: 'Readiness probe: 503 while draining or when the database does not answer',
        description:
          'For the load balancer: 200 when this instance should receive traffic; 503 with `Retry-After` while it drains for shutdown or when its database does not answer within READINESS_TIMEOUT_MS. A dependency that works in a reduced way (the identity provider down while its last good key set is served) is named under `degraded` and does not fail readiness. No credentials, no rate limit.',
        response: {
          200: {
            ...ReadinessStatus,
            examples: [
              { status: 'ok', checks: { database: 'ok' } },
              {
                status: 'ok',
                checks: { database: 'ok' },
                degraded: {
                  jwks: 'stale: the identity provider has not answered 3 JWKS fetch(es); serving the key set fetched 1260 s ago',
                },
              },
            ],
          },
          500: problemResponse('internal_error', '/readyz'),
          503: problemResponse('service_unavailable', '/readyz', {
            detail: 'The database does not answer.',
            checks: { database: 'unavailable' },
          }),
        },
      },
    },
    async (request, reply) => {
      if (options.isDraining()) {
        return notReady(request, reply, 'This instance is shutting down.', {
          shutdown: 'draining',
        });
      }
      try {
        await withinDeadline(options.checkDependencies, options.checkTimeoutMs);
        const degraded = Object.entries(options.degradations).flatMap(([name, check]) => {
          const detail = check();
          return detail === undefined ? [] : [[name, detail] as const];
        });
        return {
          status: 'ok' as const,
          checks: { database: 'ok' as const },
          ...(degraded.length > 0 ? { degraded: Object.fromEntries(degraded) } : {}),
        };
      } catch (error) {
        request.log.warn({ err: error, event: 'readiness.failed' }, 'readiness check failed');
        return notReady(request, reply, 'The database does not answer.', {
          database: 'unavailable',
        });
      }
    },
  );
}
