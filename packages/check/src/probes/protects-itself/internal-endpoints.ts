import type { Probe } from '../context.js';
import { fail, pass } from '../outcome.js';
import { listed } from '../support/targets.js';

/** Operational endpoints of common stacks that must not be reachable by the public. */
const INTERNAL = [
  '/metrics',
  '/prometheus',
  '/debug',
  '/debug/pprof/',
  '/debug/vars',
  '/actuator',
  '/actuator/env',
  '/actuator/prometheus',
  '/server-status',
];

export const internalEndpoints: Probe = {
  id: 'security.internal-endpoints',
  title: '/metrics, /debug, /actuator not public',
  section: 'protects-itself',
  kind: 'live',
  writes: false,
  rationale:
    'Metrics, profilers and actuators reveal internals (routes, versions, memory, environment) and some can change the process; they belong on a private port.',
  fix: 'Serve metrics and debug endpoints on a separate, non-public listener (or require authentication), never on the API port.',
  plan: [`GET ${INTERNAL.join(', ')} without credentials, at the origin and under the base path`],
  async run(ctx) {
    const urls = new Set<string>();
    for (const path of INTERNAL) {
      urls.add(new URL(path, ctx.http.base.origin).toString());
      urls.add(ctx.http.resolve(path).toString());
    }
    // A single-page app (or any catch-all) answers 200 with its index page on every path: an
    // "endpoint" that answers exactly that page is the catch-all, not something exposed.
    const catchAll = new Set<string>();
    for (const url of new Set([
      new URL(`/steadfast-check-${ctx.nonce()}`, ctx.http.base.origin).toString(),
      ctx.http.resolve(`/steadfast-check-${ctx.nonce()}`).toString(),
    ])) {
      const reply = await ctx.http.send({ url, as: 'none' });
      if (reply.status >= 200 && reply.status < 300) catchAll.add(reply.text);
    }
    const exposed: string[] = [];
    const refused: string[] = [];
    const spa: string[] = [];
    for (const url of urls) {
      const reply = await ctx.http.send({ url, as: 'none' });
      const where = `${new URL(url).pathname} → ${reply.status}`;
      if (reply.status >= 200 && reply.status < 300) {
        if (catchAll.has(reply.text)) {
          spa.push(where);
          continue;
        }
        const prometheus = /^# (HELP|TYPE) /m.test(reply.text) ? ' (Prometheus metrics)' : '';
        exposed.push(`${where}${prometheus}`);
      } else refused.push(where);
    }
    const spaNote = spa.length
      ? [
          `${spa.length} answered 2xx with the same page as an unknown path (a catch-all, not counted): ${listed(spa, 4).join(', ')}`,
        ]
      : [];
    if (exposed.length > 0) {
      return fail(`${exposed.length} internal endpoint(s) answer anonymous requests`, [
        ...listed(exposed),
        ...spaNote,
      ]);
    }
    return pass(`none of ${urls.size} internal endpoints is public`, [
      ...listed(refused, 6),
      ...spaNote,
    ]);
  },
};
