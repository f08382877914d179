import type { Probe } from '../context.js';
import { fail, pass } from '../outcome.js';

const COMMON = ['/livez', '/readyz', '/healthz', '/health', '/ready', '/live', '/health/ready'];
const HEALTH = /(^|\/)(livez|readyz|healthz?|ready|live|ping)$/i;

export const health: Probe = {
  id: 'observability.health',
  title: 'Health endpoint',
  section: 'observable',
  kind: 'live',
  writes: false,
  rationale:
    'Orchestrators and load balancers need a cheap probe to know whether to route traffic to, or restart, an instance.',
  fix: 'Serve an unauthenticated liveness (/livez) and readiness (/readyz) endpoint; readiness checks the dependencies.',
  plan: [
    'GET the documented health operation, else /livez, /readyz, /healthz, /health … until one answers 2xx',
  ],
  async run(ctx) {
    const documented = ctx.catalog.operations
      .filter((op) => op.method === 'get' && HEALTH.test(op.path))
      .map((op) => ctx.http.resolve(ctx.catalog.requestPath(op)).toString());
    const common = COMMON.map((path) => new URL(path, ctx.http.base.origin).toString());
    const tried: string[] = [];
    // A catch-all (a single-page app's index) answers 200 on every path: an answer identical to
    // the one an unknown path gets is that page, not a health check.
    const unknown = await ctx.http.send({
      url: new URL(`/steadfast-check-${ctx.nonce()}`, ctx.http.base.origin),
      as: 'none',
    });
    const catchAll = unknown.status >= 200 && unknown.status < 300 ? unknown.text : undefined;
    for (const url of [...new Set([...documented, ...common])]) {
      const reply = await ctx.http.send({ url, as: 'none' });
      const path = new URL(url).pathname;
      if (catchAll !== undefined && reply.text === catchAll) {
        tried.push(`${path} → ${reply.status} (the catch-all page an unknown path gets)`);
        continue;
      }
      tried.push(`${path} → ${reply.status}`);
      if (reply.status >= 200 && reply.status < 300) {
        return pass(`${path} answers ${reply.status} without credentials`, tried);
      }
    }
    return fail('no health endpoint answered 2xx', tried);
  },
};
