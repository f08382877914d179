import type { FastifyInstance } from 'fastify';
import type { SecurityConfig } from '../../config/index.js';
import { corsAllowList } from './cors.js';
import { httpFraming } from './http-framing.js';
import { jsonBody } from './json-body.js';
import { loadShedding } from './load-shedding.js';
import { queryLimits } from './query-limits.js';

/**
 * The request-level defences, in the order their onRequest hooks must run: HTTP framing first
 * (a duplicated Host is refused before anything reads it; Expect: 100-continue; Connection: close
 * after an early answer), then CORS (so every
 * refusal below is readable by a browser client), then load shedding (the cheapest refusal, before
 * any parsing or database work), then the query-string limits; the JSON body limits apply when the
 * body is parsed. Register after the error handler and access log, before any route.
 * (The listener-level ones, TLS and the header size limit, are in transport.ts.)
 */
export async function registerProtection(
  app: FastifyInstance,
  config: Pick<SecurityConfig, 'corsAllowedOrigins' | 'limits' | 'loadShedding'> & {
    publicBaseUrl: string;
  },
): Promise<void> {
  await app.register(httpFraming);
  await app.register(corsAllowList, { allowedOrigins: config.corsAllowedOrigins });
  await app.register(loadShedding, {
    ...config.loadShedding,
    exempt: ['/livez'],
    exemptFromConcurrency: ['/livez', '/readyz'],
    publicBaseUrl: config.publicBaseUrl,
  });
  await app.register(queryLimits);
  await app.register(jsonBody, { maxDepth: config.limits.jsonMaxDepth });
}
