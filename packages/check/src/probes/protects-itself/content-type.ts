import type { Probe } from '../context.js';
import { fail, na, pass, warn } from '../outcome.js';
import { described, NO_RESOURCE } from '../support/targets.js';

export const contentType: Probe = {
  id: 'input.content-type',
  title: 'Wrong content type → 415',
  section: 'protects-itself',
  kind: 'live',
  // Sends a method other than GET/HEAD/OPTIONS: a lenient API could act on it, so only with writes.
  writes: true,
  rationale:
    'An API that parses whatever arrives, whatever its declared type, invites content-confusion attacks and hides client bugs.',
  fix: 'Accept only application/json (and +json) request bodies; answer 415 problem+json to anything else.',
  plan: ['POST <create endpoint> with Content-Type: text/plain and a plain-text body'],
  async run(ctx) {
    const endpoint = ctx.catalog.bodyEndpoint();
    if (!endpoint) return na(`no operation that takes a JSON body is known; ${NO_RESOURCE}`);
    const reply = await ctx.http.send({
      method: endpoint.method,
      path: endpoint.path,
      headers: { 'content-type': 'text/plain' },
      body: 'steadfast-check: this body is plain text, not JSON',
    });
    const seen = described(reply);
    if (reply.status === 415) return pass(seen);
    if (reply.status === 401 || reply.status === 403) {
      return na(`${seen}: refused before the body was read; give --auth with write access`);
    }
    if (reply.status >= 400 && reply.status < 500 && reply.status !== 404 && reply.status !== 405) {
      // Refused (nothing was created), only with a less precise status.
      return warn(`${seen}: the text/plain body was refused, but 415 is the status that says why`);
    }
    if (reply.status >= 200 && reply.status < 300) {
      return fail(`${seen}: a text/plain body was accepted; expected 415`);
    }
    return fail(`${seen}: expected 415 for a text/plain body`);
  },
};
