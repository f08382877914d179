import type { Reply } from '../../http/client.js';
import type { Probe } from '../context.js';
import { Findings } from '../outcome.js';
import { described, readPath } from '../support/targets.js';

const ID_HEADERS = ['x-request-id', 'request-id', 'x-correlation-id', 'x-amzn-requestid'];

function requestIdOf(reply: Reply): { name: string; value: string } | undefined {
  for (const name of ID_HEADERS) {
    const value = reply.header(name);
    if (value) return { name, value };
  }
  return undefined;
}

export const requestId: Probe = {
  id: 'observability.request-id',
  title: 'X-Request-Id echoed',
  section: 'observable',
  kind: 'live',
  writes: false,
  rationale:
    'A request id in every answer (the client’s own when it sent one) ties a user’s report to the server’s log line in seconds.',
  fix: 'Accept a well-formed inbound X-Request-Id (or mint one), log it, and echo it in the response, errors included.',
  plan: ['GET <collection> with X-Request-Id: steadfast-check-<random>', 'GET <unknown path>'],
  async run(ctx) {
    const findings = new Findings();
    const sent = `steadfast-check-${ctx.nonce()}`;
    const echoed = await ctx.http.send({
      path: readPath(ctx).path,
      headers: { 'x-request-id': sent },
    });
    const id = requestIdOf(echoed);
    if (!id) findings.add('fail', `${described(echoed)}: no request id header in the answer`);
    else if (id.value === sent) findings.add('pass', `${described(echoed)}: ${id.name} echoed`);
    else {
      findings.add(
        'warn',
        `${described(echoed)}: ${id.name}: ${id.value}, not the X-Request-Id the client sent`,
      );
    }
    const error = await ctx.http.send({ path: `/steadfast-check-${ctx.nonce()}/missing` });
    const errorId = requestIdOf(error);
    const what = error.status >= 400 ? 'the error answer' : 'the answer to an unknown path';
    if (errorId) findings.add('pass', `${described(error)}: ${errorId.name}: ${errorId.value}`);
    else findings.add('fail', `${described(error)}: ${what} carries no request id header`);
    return findings.outcome({ pass: 'the request id is echoed, on errors too' });
  },
};
