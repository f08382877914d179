import type { FastifyInstance } from 'fastify';
import type { Principal } from './principal.js';

/**
 * Benchmarks only: every request of `app`'s context acts as `principal`, with no credential read.
 * It measures what authentication costs; app.ts reaches it only through a code-level override
 * (AppOverrides.bench), never through configuration, so no deployment can switch auth off.
 */
export function actAsFixedPrincipal(app: FastifyInstance, principal: Principal): void {
  app.decorateRequest('auth', undefined);
  app.addHook('onRequest', async (request) => {
    request.auth = principal;
  });
}
