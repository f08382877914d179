import { isDeepStrictEqual } from 'node:util';
import { recordId } from '../../target/records.js';
import type { Probe, ProbeContext } from '../context.js';
import { isObject } from '../../openapi/json.js';
import { readPage } from '../support/list-page.js';
import { Findings, na } from '../outcome.js';
import { described, NO_RESOURCE } from '../support/targets.js';
import { createBody } from '../../target/records.js';
import { variantOf } from '../support/variant.js';

/** A string value this run made unique (it carries the nonce suffix), to find copies by. */
function markerOf(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  for (const value of Object.values(body)) {
    if (typeof value === 'string' && /(\+sc|-)[0-9a-f]{12}(@|$)/.test(value)) return value;
  }
  return undefined;
}

/** How many items of the collection's first page carry `marker`; undefined when unreadable. */
async function countCopies(
  ctx: ProbeContext,
  listPath: string,
  marker: string,
): Promise<number | undefined> {
  const reply = await ctx.http.send({ path: listPath });
  if (reply.status !== 200) return undefined;
  const page = readPage(reply, ctx.http.resolve(listPath));
  if (!page.items) return undefined;
  const count = page.items.filter((item) =>
    JSON.stringify(item).includes(JSON.stringify(marker)),
  ).length;
  return count === 0 ? undefined : count;
}

export const idempotency: Probe = {
  id: 'idempotency.replay',
  title: 'Idempotency-Key replay',
  section: 'scales',
  kind: 'live',
  writes: true,
  rationale:
    'Networks time out after the server acted; a client retrying a POST with the same Idempotency-Key must get the first answer, not a duplicate order.',
  fix: 'Store (key, request fingerprint, response) per account; replay the stored response for the same request and answer 422 for the same key with another body.',
  plan: [
    'POST <create endpoint> with Idempotency-Key: steadfast-check-<random> and the example body',
    'the same request again (must replay the first answer)',
    'the same key with a different body (must be refused with 4xx)',
  ],
  async run(ctx) {
    const resource = ctx.catalog.writable()[0];
    if (!resource) return na(`no collection the run may create records in; ${NO_RESOURCE}`);
    const key = `steadfast-check-${ctx.nonce()}`;
    const body = createBody(resource, ctx.nonce());
    const headers = { 'idempotency-key': key };
    const first = await ctx.records.create(ctx.http, resource, { body, headers });
    if (first.reply.status < 200 || first.reply.status >= 300) {
      return na(
        `${described(first.reply)}: the example body is refused, so there is nothing to replay`,
      );
    }
    // A 2xx that names no record (`[]`, `{"data":[]}`, no Location) created nothing the run can
    // see: a replay of it proves nothing either way.
    if (first.id === undefined) {
      return na(
        `${described(first.reply)}: the answer names no created record (no id in the body, no Location), so a replay cannot be judged`,
      );
    }
    const findings = new Findings();
    const replay = await ctx.records.create(ctx.http, resource, { body, headers });
    const replayId = replay.reply.status < 300 ? recordId(replay.reply) : undefined;
    const marker = markerOf(body);
    if (replay.reply.status !== first.reply.status) {
      findings.add(
        'fail',
        `${described(replay.reply)} on replay, ${first.reply.status} the first time`,
      );
    } else if (replayId !== first.id) {
      const flag = replay.reply.header('idempotent-replayed');
      findings.add(
        'fail',
        replayId === undefined
          ? `${described(replay.reply)} on replay names no record${flag ? ` (Idempotent-Replayed: ${flag})` : ''}, where the first answer named ${first.id}`
          : `the replay created a second record (${replayId} besides ${first.id})`,
      );
    } else {
      // Same id: now prove from the collection that only one record exists.
      const copies = marker ? await countCopies(ctx, resource.listPath, marker) : undefined;
      if (copies !== undefined && copies > 1) {
        findings.add(
          'fail',
          `${copies} records in ${resource.listPath} carry this run's value ${marker}: the replay created a second record`,
        );
      } else if (!isDeepStrictEqual(replay.reply.json, first.reply.json)) {
        findings.add(
          'warn',
          `${described(replay.reply)}: same record ${first.id}, but the replayed body differs from the first`,
        );
      } else {
        const flag = replay.reply.header('idempotent-replayed');
        const listed =
          copies === 1
            ? `; ${resource.listPath} holds one record with ${marker}`
            : '; the list could not show whether a copy exists';
        findings.add(
          'pass',
          `${described(replay.reply)}: the first answer replayed, same record ${first.id}${flag ? ` (Idempotent-Replayed: ${flag})` : ''}${listed}`,
        );
      }
    }
    const different = variantOf(body, resource.create);
    if (different === undefined) {
      findings.add(
        'na',
        'no field of the example could be changed safely to send the key with another body',
      );
      return findings.outcome({ pass: 'a replay returns the first answer' });
    }
    const other = await ctx.records.create(ctx.http, resource, { body: different, headers });
    if (other.reply.status >= 400 && other.reply.status < 500) {
      findings.add(
        other.reply.status === 422 || other.reply.status === 409 || other.reply.status === 400
          ? 'pass'
          : 'warn',
        `${described(other.reply)} for the same key with another body`,
      );
    } else {
      findings.add(
        'fail',
        `${described(other.reply)} for the same key with another body: expected 422`,
      );
    }
    return findings.outcome({
      pass: 'a replay returns the first answer; a reused key with another body is refused',
    });
  },
};
