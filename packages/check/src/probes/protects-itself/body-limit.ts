import { TransportError } from '../../http/client.js';
import type { Probe } from '../context.js';
import { fail, na, pass, warn } from '../outcome.js';
import { described, NO_RESOURCE } from '../support/targets.js';

/** A JSON prefix that never closes: whatever the size limit, the body can never be acted on. */
const PREFIX = '{"steadfast_check_padding":"';

/** Words of an answer that refuses a body for its size. */
const SIZE_REFUSAL =
  /(?:request |payload |entity |body |content )*(?:too large|too big|exceeds?(?:ed)? (?:the )?(?:\w+ )?(?:limit|maximum|size)|size limit|maximum (?:body |request |content |payload )?(?:size|length))/i;

export const bodyLimit: Probe = {
  id: 'input.body-limit',
  title: 'Oversized body → 413',
  section: 'protects-itself',
  kind: 'live',
  // Sends a method other than GET/HEAD/OPTIONS: a lenient API could act on it, so only with writes.
  writes: true,
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
      const sizeWords = SIZE_REFUSAL.exec(reply.text.slice(0, 4096));
      if (reply.status >= 400 && reply.status < 500 && sizeWords) {
        // A refusal judged by what the answer says, not by its status line alone.
        return warn(
          `${seen}, whose body says "${sizeWords[0]}": refused for its size, but 413 is the status that tells clients so`,
        );
      }
      if (reply.status >= 400 && reply.status < 500) {
        return fail(
          `${seen}, whose body does not mention the size: expected 413; the body was read and refused for its content, not its size`,
        );
      }
      if (reply.status >= 200 && reply.status < 300) {
        return fail(`${seen}: a body over the limit was accepted`);
      }
      return fail(`${seen}: expected 413`);
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      return warn(
        `${endpoint.method} ${endpoint.path} with ${size} bytes: the connection was dropped without a 413 (${error.exchange.error})`,
      );
    }
  },
};
