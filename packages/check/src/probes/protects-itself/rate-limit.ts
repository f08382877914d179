import { setTimeout as sleep } from 'node:timers/promises';
import { BudgetExhausted } from '../../http/budget.js';
import type { Reply } from '../../http/client.js';
import { advertisedRemaining, rateLimitFields, retryAfterSeconds } from '../../http/headers.js';
import type { Probe } from '../context.js';
import { Findings, na, warn } from '../outcome.js';
import { described, readPath } from '../support/targets.js';

/** Requests kept back from the burst for the recovery check and the probes after this one. */
const HEADROOM = 5;
const MIN_BURST = 10;

export const rateLimit: Probe = {
  id: 'ratelimit.burst',
  title: 'Burst → 429 with Retry-After, then recovery',
  section: 'protects-itself',
  kind: 'live',
  writes: false,
  rationale:
    'One client’s loop must not take the API down for everyone: a burst must meet 429 with Retry-After and rate-limit headers, and service must come back.',
  fix: 'Rate-limit per credential (and per address before authentication) with a token bucket; answer 429 problem+json with Retry-After and RateLimit/RateLimit-Policy headers.',
  plan: [
    'GET <collection> repeatedly at --rps until the first 429 (at most --burst requests)',
    'waits the Retry-After (at most 60 s), then GET <collection> once more',
  ],
  async run(ctx) {
    const { path } = readPath(ctx);
    const as = ctx.http.hasCredential('a') ? 'a' : 'none';
    const send = () => ctx.http.send({ path, as, retryOn429: false });
    const first = await send();
    if (first.status === 401 || first.status === 403) {
      // A burst of refusals would measure (and spend) the API's budget for failed logins from
      // this address, not the limit clients meet.
      return na(
        `${described(first)}: give --auth so the burst meets the API's rate limit, not its refusal`,
      );
    }
    const advertised = advertisedRemaining(first.headers);
    const cap = Math.min(ctx.settings.burst, ctx.http.remaining - HEADROOM);
    // A burst of a handful proves nothing either way: report the run as cut short instead.
    if (cap < MIN_BURST) throw new BudgetExhausted('requests');
    // The limit is known to be out of reach: say so rather than spend the budget proving it.
    if (advertised !== undefined && advertised + 2 > cap) {
      return warn(
        `the limit is advertised (${rateLimitFields(first.headers).join(', ')}: ${advertised} left) but is larger than the ${cap} requests this run may spend on it; raise --burst and --max-requests to see the 429`,
      );
    }
    let refused: Reply | undefined = first.status === 429 ? first : undefined;
    let sent = 1;
    const fieldsSeen = new Set(rateLimitFields(first.headers));
    while (!refused && sent < cap) {
      const reply = await send();
      sent += 1;
      for (const field of rateLimitFields(reply.headers)) fieldsSeen.add(field);
      if (reply.status === 429) refused = reply;
    }
    if (!refused) {
      return {
        status: 'fail',
        summary: `no 429 after ${sent} requests to ${path} at up to the --rps pace`,
        details: [
          `last answer: ${first.status}; rate-limit fields seen: ${[...fieldsSeen].join(', ') || 'none'}`,
        ],
      };
    }
    const findings = new Findings();
    findings.add('pass', `${described(refused)} after ${sent} requests`);
    const retryAfter = retryAfterSeconds(refused.header('retry-after'));
    if (retryAfter === undefined) {
      findings.add(
        'fail',
        refused.header('retry-after') === undefined
          ? 'the 429 has no Retry-After header'
          : `Retry-After: ${refused.header('retry-after')} is neither seconds nor an HTTP-date`,
      );
    } else findings.add('pass', `Retry-After: ${refused.header('retry-after')}`);
    for (const field of rateLimitFields(refused.headers)) fieldsSeen.add(field);
    if (fieldsSeen.size === 0) {
      findings.add(
        'fail',
        'no RateLimit / RateLimit-Policy (or X-RateLimit-*) headers tell clients their budget',
      );
    } else findings.add('pass', `rate-limit fields: ${[...fieldsSeen].join(', ')}`);

    const wait = retryAfter ?? 1;
    if (wait > ctx.settings.maxRecoveryWaitS || wait * 1000 >= ctx.http.budgetTimeLeftMs) {
      findings.add(
        'warn',
        `Retry-After is ${wait} s: longer than this run waits, so recovery was not checked`,
      );
    } else {
      await sleep(wait * 1000 + 250);
      const after = await send();
      if (after.status === 429) {
        findings.add(
          'fail',
          `${described(after)} again after waiting the ${wait} s Retry-After asked for`,
        );
      } else findings.add('pass', `${described(after)} after waiting ${wait} s: recovered`);
    }
    return findings.outcome({
      pass: `429 after ${sent} requests, with Retry-After and rate-limit headers; recovered`,
    });
  },
};
