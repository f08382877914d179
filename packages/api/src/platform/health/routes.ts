import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

export interface HealthOptions {
  /** Checks the dependencies readiness needs (the database); throws when one is down. */
  checkDependencies: () => Promise<void>;
  /** True once shutdown has begun: the node should leave the load balancer. */
  isDraining: () => boolean;
}

const HealthStatus = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(Type.Record(Type.String(), Type.String())),
});
const healthy = (examples: unknown[]) => ({ ...HealthStatus, examples });

/** Liveness (the process answers) and readiness (it should receive traffic). */
export function registerHealthRoutes(app: FastifyInstance, options: HealthOptions): void {
  const common = { schema: { tags: ['health'], security: [] } };
  app.get(
    '/livez',
    {
      ...common,
      schema: {
        ...common.schema,
        operationId: 'getLiveness',
        summary: 'Liveness probe: the process answers',
        response: { 200: healthy([{ status: 'ok' }]) },
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
        response: {
          200: healthy([{ status: 'ok', checks: { database: 'ok' } }]),
          503: healthy([{ status: 'unavailable', checks: { database: 'unavailable' } }]),
        },
      },
    },
    async (request, reply) => {
      if (options.isDraining()) {
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ status: 'unavailable', checks: { shutdown: 'draining' } });
      }
      try {
        await options.checkDependencies();
        return { status: 'ok' as const, checks: { database: 'ok' } };
      } catch (error) {
        request.log.warn({ err: error }, 'readiness check failed');
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ status: 'unavailable', checks: { database: 'unavailable' } });
      }
    },
  );
}
