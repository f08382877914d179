import { randomBytes } from 'node:crypto';
import { TRACEPARENT } from '../../http/headers.js';
import type { Probe } from '../context.js';
import { Findings } from '../outcome.js';
import { described, readPath } from '../support/targets.js';

export const traceparent: Probe = {
  id: 'observability.traceparent',
  title: 'traceparent accepted',
  section: 'observable',
  kind: 'live',
  writes: false,
  rationale:
    'W3C Trace Context lets one trace follow a request across services; an API that rejects, breaks on or ignores the header cuts every trace at its door.',
  fix: 'Use OpenTelemetry (or equivalent) HTTP instrumentation: continue the inbound trace, ignore malformed traceparent values, and never fail a request over them.',
  plan: [
    'GET <collection> without traceparent (baseline)',
    'GET <collection> with a valid traceparent; checks any traceresponse carries the same trace id',
    'GET <collection> with a malformed traceparent, which must be ignored',
  ],
  async run(ctx) {
    const { path } = readPath(ctx);
    const findings = new Findings();
    const baseline = await ctx.http.send({ path });
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const traced = await ctx.http.send({
      path,
      headers: { traceparent: `00-${traceId}-${parentId}-01` },
    });
    if (traced.status !== baseline.status && traced.status >= 400) {
      findings.add(
        'fail',
        `${described(traced)} with a valid traceparent, ${baseline.status} without one`,
      );
    } else findings.add('pass', `${described(traced)} with a valid traceparent`);
    for (const name of ['traceresponse', 'traceparent']) {
      const value = traced.header(name);
      if (value === undefined) continue;
      const echoed = TRACEPARENT.exec(value.trim());
      if (!echoed) findings.add('fail', `${name}: ${value} is not a W3C trace context value`);
      else if (echoed[2] !== traceId) {
        findings.add(
          'fail',
          `${name} carries trace id ${echoed[2]}, not the client's ${traceId}: the trace was not continued`,
        );
      } else findings.add('pass', `${name} continues the client's trace ${traceId}`);
    }
    const malformed = await ctx.http.send({
      path,
      headers: { traceparent: '00-not-a-trace-context-zz' },
    });
    if (malformed.status !== baseline.status && malformed.status >= 400) {
      findings.add(
        'fail',
        `${described(malformed)} with a malformed traceparent (W3C: ignore it and start a new trace)`,
      );
    } else findings.add('pass', `${described(malformed)} with a malformed traceparent (ignored)`);
    return findings.outcome({ pass: 'valid and malformed traceparent values are handled' });
  },
};
