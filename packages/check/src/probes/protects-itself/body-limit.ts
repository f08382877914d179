import { TransportError } from '../../http/client.js';
import type { Probe } from '../context.js';
import { fail, na, pass, warn } from '../outcome.js';
import { described, NO_RESOURCE } from '../support/targets.js';

/** A JSON prefix that never closes: whatever the size limit, the body can never be acted on. */
const PREFIX = '{"steadfast_check_padding":"';

export const bodyLimit: Probe = {
  id: 'input.body-limit',
  title: 'Oversized body → 413',
  section: 'protects-itself',
  kind: 'live',
  writes: false,
  rationale:
    'Without a body size limit one request can exhaust memory; the limit must answer 413 so clients know why.',
  fix: 'Set a request body limit (e.g. 100 KiB–1 MiB for JSON) at the server or proxy and answer 413 problem+json.',
  plan: [
    'POST <create endpoint> with an unterminated JSON body one byte over --max-body (default 1 MiB)',
  ],
  async run(ctx) {
    const endpoint = ctx.catalog.bodyEndpoint();
    if (!endpoint) return na(`no operation that takes a JSON body is known; ${NO_RESOURCE}`);
    const size = ctx.settings.maxBodyBytes + 1;
    const body = PREFIX + 'a'.repeat(Math.max(0, size - PREFIX.length));
    try {
      const reply = await ctx.http.send({
        method: endpoint.method,
        path: endpoint.path,
        headers: { 'content-type': 'application/json' },
        body,
      });
      const seen = `${described(reply)} for ${size} bytes`;
      if (reply.status === 413) return pass(seen);
      if (reply.status === 401 || reply.status === 403) {
        return na(`${seen}: refused before the body was read; give --auth with write access`);
      }
      return fail(`${seen}: expected 413, so the whole body was accepted for reading`);
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      return warn(
        `${endpoint.method} ${endpoint.path} with ${size} bytes: the connection was dropped without a 413 (${error.exchange.error})`,
      );
    }
  },
};
