import { randomBytes } from 'node:crypto';
import { TRACEPARENT } from '../../http/headers.js';
import type { Probe } from '../context.js';
import { Findings, na } from '../outcome.js';
import { described, readPath } from '../support/targets.js';

export const traceparent: Probe = {
  id: 'observability.traceparent',
  title: 'traceparent continued',
  section: 'observable',
  kind: 'live',
  writes: false,
  rationale:
    'W3C Trace Context lets one trace follow a request across services; an API that rejects, breaks on or ignores the header cuts every trace at its door.',
  fix: 'Use OpenTelemetry (or equivalent) HTTP instrumentation: continue the inbound trace, ignore malformed traceparent values, and never fail a request over them.',
  plan: [
    'GET <collection> without traceparent (baseline)',
    'GET <collection> and GET <unknown path> with a valid traceparent; passes only when a traceresponse, another header or the body carries its trace id',
    'GET <collection> with a malformed traceparent, which must be ignored',
  ],
  async run(ctx) {
    const { path } = readPath(ctx);
    const findings = new Findings();
    const baseline = await ctx.http.send({ path });
    const traceId = randomBytes(16).toString('hex');
    const parentId = randomBytes(8).toString('hex');
    const header = { traceparent: `00-${traceId}-${parentId}-01` };
    const traced = await ctx.http.send({ path, headers: header });
    if (traced.status !== baseline.status && traced.status >= 400) {
      findings.add(
        'fail',
        `${described(traced)} with a valid traceparent, ${baseline.status} without one`,
      );
    }
    // An error answer is where APIs most often quote the trace id (for support tickets).
    const error = await ctx.http.send({
      path: `/steadfast-check-${ctx.nonce()}/missing`,
      headers: header,
    });
    let continued: string | undefined;
    for (const reply of [traced, error]) {
      for (const name of ['traceresponse', 'traceparent']) {
        const value = reply.header(name);
        if (value === undefined) continue;
        const echoed = TRACEPARENT.exec(value.trim());
        if (!echoed)
          findings.add(
            'fail',
            `${described(reply)}: ${name}: ${value} is not a W3C trace context value`,
          );
        else if (echoed[2] !== traceId) {
          findings.add(
            'fail',
            `${described(reply)}: ${name} carries trace id ${echoed[2]}, not the client's ${traceId}: the trace was not continued`,
          );
        } else continued ??= `${described(reply)}: ${name} continues the client's trace ${traceId}`;
      }
      if (!continued) {
        const where = Object.entries(reply.headers).find(([, v]) => v.includes(traceId))?.[0];
        if (where)
          continued = `${described(reply)}: the header ${where} quotes the client's trace id ${traceId}`;
        else if (reply.text.includes(traceId)) {
          continued = `${described(reply)}: the body quotes the client's trace id ${traceId}`;
        }
      }
    }
    if (continued) findings.add('pass', continued);
    const malformed = await ctx.http.send({
      path,
      headers: { traceparent: '00-not-a-trace-context-zz' },
    });
    if (malformed.status !== baseline.status && malformed.status >= 400) {
      findings.add(
        'fail',
        `${described(malformed)} with a malformed traceparent (W3C: ignore it and start a new trace)`,
      );
    }
    if (findings.status === 'fail' || continued) {
      return findings.outcome({
        pass: "the client's trace is continued; a malformed traceparent is ignored",
      });
    }
    // No error is not evidence: the header may be ignored altogether. Say what was seen.
    return na(
      `${described(traced)} and ${described(error)} with a valid traceparent, ${described(malformed)} with a malformed one: accepted, but no answer shows the trace was continued (no traceresponse, the trace id ${traceId} in no header or body)`,
    );
  },
};
