import type { FastifyInstance, RouteOptions } from 'fastify';
import type { ProblemCode } from './catalogue.js';
import { declareProblemResponses } from './problem-schema.js';

/**
 * For platform hooks that can refuse a request: every documented route registered after this in
 * `app`'s context gets, in its OpenAPI responses, the problems `codesFor(route)` names. So a route
 * lists only the problems of its own logic, and a hook's problems are written once, next to it.
 */
export function declareProblems(
  app: FastifyInstance,
  codesFor: (route: RouteOptions) => readonly ProblemCode[],
): void {
  app.addHook('onRoute', (route) => {
    const response = route.schema?.response as Record<string, unknown> | undefined;
    if (response === undefined) return;
    const codes = codesFor(route);
    if (codes.length === 0) return;
    route.schema = {
      ...route.schema,
      response: declareProblemResponses(response, route.url, ...codes),
    };
  });
}
