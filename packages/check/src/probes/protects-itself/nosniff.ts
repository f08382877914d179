import type { Probe } from '../context.js';
import { Findings } from '../outcome.js';
import { described, readPath } from '../support/targets.js';

export const nosniff: Probe = {
  id: 'security.nosniff',
  title: 'X-Content-Type-Options: nosniff',
  section: 'protects-itself',
  kind: 'live',
  writes: false,
  rationale:
    'Without nosniff a browser may sniff a JSON (or error) body as HTML or script and run it: a stored XSS through the API.',
  fix: 'Send X-Content-Type-Options: nosniff on every response, errors included (e.g. helmet).',
  plan: ['GET <collection>', 'GET <unknown path>'],
  async run(ctx) {
    const findings = new Findings();
    for (const path of [readPath(ctx).path, `/steadfast-check-${ctx.nonce()}/missing`]) {
      const reply = await ctx.http.send({ path });
      const value = reply.header('x-content-type-options');
      if (value?.trim().toLowerCase() === 'nosniff') {
        findings.add('pass', `${described(reply)}: nosniff`);
      } else {
        findings.add(
          'fail',
          `${described(reply)}: X-Content-Type-Options is ${value ?? 'missing'}`,
        );
      }
    }
    return findings.outcome({ pass: 'nosniff on successes and errors' });
  },
};
