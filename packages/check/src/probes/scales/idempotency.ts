import { isDeepStrictEqual } from 'node:util';
import { recordId } from '../../target/records.js';
import type { Probe } from '../context.js';
import { Findings, na } from '../outcome.js';
import { described, NO_RESOURCE } from '../support/targets.js';
import { createBody } from '../../target/records.js';
import { variantOf } from '../support/variant.js';

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
    const findings = new Findings();
    const replay = await ctx.records.create(ctx.http, resource, { body, headers });
    const replayId = replay.reply.status < 300 ? recordId(replay.reply) : undefined;
    if (replay.reply.status !== first.reply.status) {
      findings.add(
        'fail',
        `${described(replay.reply)} on replay, ${first.reply.status} the first time`,
      );
    } else if (first.id !== undefined && replayId !== first.id) {
      findings.add(
        'fail',
        `the replay created a second record (${replayId ?? '?'} besides ${first.id})`,
      );
    } else if (!isDeepStrictEqual(replay.reply.json, first.reply.json)) {
      findings.add(
        'warn',
        `${described(replay.reply)}: same record, but the replayed body differs from the first`,
      );
    } else {
      const flag = replay.reply.header('idempotent-replayed');
      findings.add(
        'pass',
        `${described(replay.reply)}: the first answer replayed${flag ? ` (Idempotent-Replayed: ${flag})` : ''}`,
      );
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
