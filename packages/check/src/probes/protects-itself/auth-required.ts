import type { Reply } from '../../http/client.js';
import { invalidLike } from '../../http/credentials.js';
import type { Probe } from '../context.js';
import { Findings, na } from '../outcome.js';
import { described, NO_RESOURCE, protectedResource } from '../support/targets.js';

function judge(reply: Reply, what: string, findings: Findings): void {
  const seen = `${described(reply)} ${what}`;
  if (reply.status === 401) {
    if (reply.header('www-authenticate')) {
      findings.add('pass', `${seen}, WWW-Authenticate: ${reply.header('www-authenticate')}`);
    } else
      findings.add('fail', `${seen} without the WWW-Authenticate header RFC 9110 §11.6.1 requires`);
  } else if (reply.status === 403) {
    findings.add(
      'fail',
      `${seen}: 403 means "known but not allowed"; a missing or bad credential is 401`,
    );
  } else if (reply.status === 400 && what !== 'without credentials') {
    // The credential was refused, as malformed: not served, so not an authentication failure.
    findings.add('na', `${seen}: refused as a bad request, so this says nothing about 401`);
  } else if (reply.status >= 200 && reply.status < 300) {
    findings.add('fail', `${seen}: served ${what}`);
  } else {
    findings.add('fail', `${seen}: expected 401`);
  }
}

/** The scheme and length of a made-up credential, for the report (its value is meaningless). */
function redactedShape(value: string): string {
  const scheme = /^(\S+)\s+(\S+)$/.exec(value);
  return scheme ? `${scheme[1]} <${scheme[2]!.length} characters>` : `<${value.length} characters>`;
}

export const authRequired: Probe = {
  id: 'auth.required',
  title: '401 + WWW-Authenticate without or with bad credentials',
  section: 'protects-itself',
  kind: 'live',
  writes: false,
  rationale:
    'Data behind an API must not be served to anonymous callers, and a refusal must say how to authenticate (401 + WWW-Authenticate).',
  fix: 'Authenticate every non-public route before it runs; answer 401 problem+json with WWW-Authenticate: Bearer realm="…".',
  plan: [
    'GET <protected collection> without credentials',
    'GET <protected collection> with a made-up, well-formed credential of the same form (Basic of probe:wrong-…, a token shaped like yours)',
  ],
  async run(ctx) {
    const resource = protectedResource(ctx);
    if (!resource) {
      return na(
        ctx.catalog.resources.length > 0
          ? 'every known collection is documented as public'
          : NO_RESOURCE,
      );
    }
    const findings = new Findings();
    judge(
      await ctx.http.send({ path: resource.listPath, as: 'none' }),
      'without credentials',
      findings,
    );
    const bogus = invalidLike(ctx.http.credential('a'), ctx.nonce());
    judge(
      await ctx.http.send({ path: resource.listPath, as: bogus }),
      `with a made-up, well-formed credential (${bogus.header}: ${redactedShape(bogus.value)})`,
      findings,
    );
    return findings.outcome({ pass: 'refused with 401 and WWW-Authenticate' });
  },
};
