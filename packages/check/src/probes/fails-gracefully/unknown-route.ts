import type { Probe } from '../context.js';
import { Findings } from '../outcome.js';
import { problemIssues } from '../support/problem.js';
import { described, readPath, versionPrefix } from '../support/targets.js';

export const unknownRoute: Probe = {
  id: 'errors.unknown-route',
  title: 'Unknown route → 404 problem+json',
  section: 'fails-gracefully',
  kind: 'live',
  writes: false,
  rationale:
    'A client that mistypes a path must get a 404 it can parse, not a framework HTML page or a 200.',
  fix: 'Install a catch-all not-found handler that answers 404 with application/problem+json (RFC 9457).',
  plan: ['GET <base>/steadfast-check-<random>', 'GET <version prefix>/steadfast-check-<random>'],
  async run(ctx) {
    const paths = [`/steadfast-check-${ctx.nonce()}/missing`];
    const prefix = versionPrefix(readPath(ctx).path);
    if (prefix) paths.push(`${prefix}/steadfast-check-${ctx.nonce()}`);
    const findings = new Findings();
    for (const path of paths) {
      const reply = await ctx.http.send({ path });
      if (reply.status !== 404) {
        findings.add('fail', `${described(reply)}: expected 404`);
        continue;
      }
      const issues = problemIssues(reply.exchange.response!);
      if (issues.length > 0) findings.add('fail', `${described(reply)}: ${issues.join('; ')}`);
      else findings.add('pass', `${described(reply)} application/problem+json`);
    }
    return findings.outcome({
      pass: '404 with application/problem+json',
      fail: findings.failures[0],
    });
  },
};
