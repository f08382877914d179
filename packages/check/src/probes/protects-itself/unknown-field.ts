import { isObject } from '../../openapi/json.js';
import type { Probe } from '../context.js';
import { fail, na, pass } from '../outcome.js';
import { createBody } from '../../target/records.js';
import { described, NO_RESOURCE } from '../support/targets.js';

export const unknownField: Probe = {
  id: 'input.unknown-field',
  title: 'Unknown field rejected',
  section: 'protects-itself',
  kind: 'live',
  writes: true,
  rationale:
    'Silently ignoring unknown fields turns a client’s typo into lost data and lets mass-assignment attempts go unnoticed.',
  fix: 'Validate bodies against a closed schema (additionalProperties: false) and answer 400 naming the unknown field.',
  plan: [
    'POST <create endpoint> with the documented example (control; deleted afterwards)',
    'POST <create endpoint> with the example plus steadfast_check_unknown_<random>',
  ],
  async run(ctx) {
    const resource = ctx.catalog.writable()[0];
    if (!resource) return na(`no collection the run may create records in; ${NO_RESOURCE}`);
    const control = await ctx.records.create(ctx.http, resource, { nonce: ctx.nonce() });
    if (control.reply.status < 200 || control.reply.status >= 300) {
      return na(
        `${described(control.reply)}: the example body itself is refused, so an unknown field cannot be isolated`,
      );
    }
    const field = `steadfast_check_unknown_${ctx.nonce()}`;
    const base = createBody(resource, ctx.nonce());
    if (!isObject(base)) return na('the example body is not a JSON object');
    const { reply } = await ctx.records.create(ctx.http, resource, {
      nonce: ctx.nonce(),
      body: { ...base, [field]: true },
    });
    const seen = described(reply);
    if (reply.status === 400 || reply.status === 422) {
      return pass(
        reply.text.includes(field)
          ? `${seen}, naming the field`
          : `${seen} (the answer does not name the field)`,
      );
    }
    if (reply.status >= 200 && reply.status < 300) {
      return fail(`${seen}: the unknown field ${field} was accepted`);
    }
    return fail(`${seen}: expected 400 for an unknown field`);
  },
};
