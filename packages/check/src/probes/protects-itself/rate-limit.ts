import { setTimeout as sleep } from 'node:timers/promises';
import { BudgetExhausted } from '../../http/budget.js';
import type { Reply } from '../../http/client.js';
import {
  advertisedPolicies,
  rateLimitFields,
  retryAfterSeconds,
  spentRemaining,
} from '../../http/headers.js';
import type { Probe } from '../context.js';
import { Findings, na } from '../outcome.js';
import { described, readPath } from '../support/targets.js';

/** Requests kept back from the burst for the recovery check and the probes after this one. */
const HEADROOM = 5;
const MIN_BURST = 10;
/** Requests sent to see which advertised count goes down before the burst is planned. */
const SAMPLE = 4;

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
    const cap = Math.min(ctx.settings.burst, ctx.http.remaining - HEADROOM);
    // A burst of a handful proves nothing either way: report the run as cut short instead.
    if (cap < MIN_BURST) throw new BudgetExhausted('requests');
    let sent = 1;
    let last = first;
    if (first.status !== 429 && advertisedPolicies(first.headers).size > 0) {
      // Which advertised policy does this GET spend? The one whose count goes down (a writes
      // policy, or a per-address one of another route, does not).
      // A few requests, not one: on a loaded machine two requests may be a refill apart.
      let spent: ReturnType<typeof spentRemaining>;
      while (sent < SAMPLE && !spent && last.status !== 429) {
        last = await send();
        sent += 1;
        spent = spentRemaining(first.headers, last.headers);
      }
      const counts = `${[...advertisedPolicies(first.headers)].map(([n, r]) => `${n || 'limit'} ${r}`).join(', ')} → ${[...advertisedPolicies(last.headers)].map(([n, r]) => `${n || 'limit'} ${r}`).join(', ')}`;
      const fields = rateLimitFields(last.headers).join(', ');
      // The limit is known to be out of reach: say so rather than spend the budget proving it.
      if (last.status !== 429 && spent && spent.remaining + 2 > cap - sent) {
        return na(
          `${described(last)}: the API counts these requests against ${spent.policies.join(', ')} (${fields}: ${counts}), but ${spent.remaining} are left, more than the ${cap - sent} this run may still spend: the 429 was not provoked; raise --burst and --max-requests to check it`,
        );
      }
      // No advertised count went down: at this pace the API refills as fast as the run spends
      // (or these requests are not counted), so a burst at --rps cannot meet the limit.
      if (last.status !== 429 && !spent) {
        return na(
          `${described(last)}: a limit is advertised (${fields}: ${counts}) but no count went down over ${sent} requests at --rps ${ctx.settings.rps}: at this pace the burst cannot reach it; raise --rps (and --burst) to check the 429`,
        );
      }
    }
    let refused: Reply | undefined = last.status === 429 ? last : undefined;
    const fieldsSeen = new Set([
      ...rateLimitFields(first.headers),
      ...rateLimitFields(last.headers),
    ]);
    while (!refused && sent < cap) {
      const reply = await send();
      last = reply;
      sent += 1;
      for (const field of rateLimitFields(reply.headers)) fieldsSeen.add(field);
      if (reply.status === 429) refused = reply;
    }
    if (!refused) {
      return {
        status: 'fail',
        summary: `no 429 after ${sent} requests to ${path} at up to the --rps pace`,
        details: [
          `last answer: ${described(last)}; rate-limit fields seen: ${[...fieldsSeen].join(', ') || 'none'}`,
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
