import type { Probe } from '../context.js';
import { fail, na, pass, warn } from '../outcome.js';
import { described, readPath } from '../support/targets.js';

/** 180 days: the floor most guidance (and the HSTS preload list's one year) builds on. */
const MIN_MAX_AGE = 15_552_000;

export const hsts: Probe = {
  id: 'security.hsts',
  title: 'HSTS over HTTPS',
  section: 'protects-itself',
  kind: 'live',
  writes: false,
  rationale:
    'Strict-Transport-Security stops clients from ever being downgraded to plain HTTP, where credentials can be read off the wire.',
  fix: 'On HTTPS responses send Strict-Transport-Security: max-age=31536000; includeSubDomains.',
  plan: [
    'GET <collection> over HTTPS and read Strict-Transport-Security (n/a for http:// targets)',
  ],
  async run(ctx) {
    if (ctx.http.base.protocol !== 'https:') {
      return na(
        'the target is plain HTTP; HSTS applies to HTTPS (check the https:// URL clients use)',
      );
    }
    const reply = await ctx.http.send({ path: readPath(ctx).path });
    const value = reply.header('strict-transport-security');
    if (!value) return fail(`${described(reply)} without Strict-Transport-Security`);
    const maxAge = /max-age\s*=\s*"?(\d+)"?/i.exec(value)?.[1];
    if (maxAge === undefined) return fail(`Strict-Transport-Security: ${value} has no max-age`);
    if (Number(maxAge) === 0) return fail(`Strict-Transport-Security: ${value} switches HSTS off`);
    if (Number(maxAge) < MIN_MAX_AGE) {
      return warn(`Strict-Transport-Security: ${value}: max-age under 180 days`);
    }
    return pass(`Strict-Transport-Security: ${value}`);
  },
};
