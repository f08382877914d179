import type { Probe } from '../context.js';
import { fail, na, pass, warn } from '../outcome.js';
import { described, NO_RESOURCE, readPath } from '../support/targets.js';

/** Methods to try, least risky first. Never DELETE: on a lenient API it could empty the
 *  collection, and the run only ever deletes records it created. */
const CANDIDATES = ['PUT', 'PATCH'];

export const wrongMethod: Probe = {
  id: 'errors.wrong-method',
  title: 'Wrong method → 405 with Allow',
  section: 'fails-gracefully',
  kind: 'live',
  // Sends a method other than GET/HEAD/OPTIONS: a lenient API could act on it, so only with writes.
  writes: true,
  rationale:
    'A method the path does not support is a 405 whose Allow header tells the client what it can do (RFC 9110 §15.5.6), not a 404 or a 500.',
  fix: 'Answer unsupported methods on known paths with 405 problem+json and an Allow header listing the supported ones.',
  plan: [
    'PUT (or PATCH) <collection>, without a body: a method the document does not declare there',
  ],
  async run(ctx) {
    const { path, resource } = readPath(ctx);
    if (!resource) return na(NO_RESOURCE);
    const declared = new Set(
      ctx.catalog.operations
        .filter((op) => ctx.catalog.requestPath(op) === path)
        .map((op) => op.method.toUpperCase()),
    );
    const method = CANDIDATES.find((candidate) => !declared.has(candidate));
    if (!method) {
      return na(`${path} supports PUT and PATCH; DELETE on a collection is never tried`);
    }
    const reply = await ctx.http.send({ method, path });
    const seen = described(reply);
    if (reply.status !== 405) {
      if (reply.status === 401 && !ctx.http.hasCredential('a')) {
        return na(`${seen}: authentication runs first; give --auth`);
      }
      return fail(`${seen}: expected 405 for a method ${path} does not support`);
    }
    const allow = reply.header('allow');
    if (allow === undefined) return fail(`${seen} without the Allow header RFC 9110 requires`);
    const allowed = allow
      .split(',')
      .map((m) => m.trim().toUpperCase())
      .filter(Boolean);
    if (allowed.includes(method)) return fail(`${seen} but Allow: ${allow} lists ${method}`);
    const missing = [...declared].filter((m) => !allowed.includes(m));
    if (missing.length > 0) {
      return warn(`${seen}, Allow: ${allow} omits documented ${missing.join(', ')}`);
    }
    return pass(`${seen}, Allow: ${allow}`);
  },
};
