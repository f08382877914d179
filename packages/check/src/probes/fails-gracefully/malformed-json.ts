import type { Probe } from '../context.js';
import { fail, na, pass, warn } from '../outcome.js';
import { described, NO_RESOURCE } from '../support/targets.js';

export const malformedJson: Probe = {
  id: 'errors.malformed-json',
  title: 'Malformed JSON → 400',
  section: 'fails-gracefully',
  kind: 'live',
  // Sends a method other than GET/HEAD/OPTIONS: a lenient API could act on it, so only with writes.
  writes: true,
  rationale:
    'A body that is not JSON is the client’s mistake: it must hear 400, not a 500 that pages the on-call engineer.',
  fix: 'Parse bodies before the handler runs and map parse errors to 400 problem+json.',
  plan: ['POST <create endpoint> with the truncated JSON body `{"steadfast_check": `'],
  async run(ctx) {
    const endpoint = ctx.catalog.bodyEndpoint();
    if (!endpoint) return na(`no operation that takes a JSON body is known; ${NO_RESOURCE}`);
    const reply = await ctx.http.send({
      method: endpoint.method,
      path: endpoint.path,
      headers: { 'content-type': 'application/json' },
      body: '{"steadfast_check": ',
    });
    const seen = described(reply);
    if (reply.status === 400) return pass(`${seen}`);
    if (reply.status === 401 || reply.status === 403) {
      return na(`${seen}: refused before the body was read; give --auth with write access`);
    }
    if (reply.status === 422) {
      return warn(`${seen}: 422 is for well-formed but invalid content; a syntax error is 400`);
    }
    return fail(`${seen}: expected 400 for a body that is not JSON`);
  },
};
