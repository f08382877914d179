import { requestSample, uniquify } from '../../openapi/samples.js';
import { itemUrl } from '../../target/catalog.js';
import { createBody } from '../../target/records.js';
import type { Probe } from '../context.js';
import { Findings, fail, na } from '../outcome.js';
import { described, NO_RESOURCE } from '../support/targets.js';

const STALE = '"steadfast-check-stale"';

export const ifMatch: Probe = {
  id: 'concurrency.if-match',
  title: 'Stale If-Match → 412',
  section: 'scales',
  kind: 'live',
  writes: true,
  rationale:
    'Two clients editing one record overwrite each other silently unless updates can be made conditional on the version read (lost-update problem).',
  fix: 'Honour If-Match on PATCH/PUT/DELETE: compare with the current ETag and answer 412 problem+json when it is stale.',
  plan: [
    'POST <create endpoint> (a record of the run’s own, deleted afterwards)',
    `PATCH <item> with If-Match: ${STALE} (must be 412)`,
    'PATCH <item> with the current ETag (must succeed)',
  ],
  async run(ctx) {
    const resource = ctx.catalog.writable().find((r) => r.itemPath && (r.update || r.guessed));
    if (!resource?.itemPath)
      return na(`no collection with an update operation the run may use; ${NO_RESOURCE}`);
    const created = await ctx.records.create(ctx.http, resource, { nonce: ctx.nonce() });
    if (!created.id) {
      return na(`${described(created.reply)}: could not create a record to update`);
    }
    const path = itemUrl(resource.itemPath, created.id);
    const read = await ctx.http.send({ path });
    const tag = read.header('etag') ?? created.reply.header('etag');
    if (!tag)
      return fail(`${described(read)} has no ETag: clients have nothing to send in If-Match`);
    const method = resource.update?.method.toUpperCase() ?? 'PATCH';
    const sample = resource.update ? requestSample(resource.update) : undefined;
    const body = JSON.stringify(
      uniquify(sample?.body ?? createBody(resource, ctx.nonce()), ctx.nonce()),
    );
    const headers = { 'content-type': 'application/json' };
    const findings = new Findings();
    const stale = await ctx.http.send({
      method,
      path,
      headers: { ...headers, 'if-match': STALE },
      body,
    });
    if (stale.status === 412) findings.add('pass', `${described(stale)} for a stale If-Match`);
    else if (stale.status >= 200 && stale.status < 300) {
      findings.add(
        'fail',
        `${described(stale)}: the update was applied despite a stale If-Match (lost update)`,
      );
    } else findings.add('fail', `${described(stale)} for a stale If-Match; expected 412`);
    const current = await ctx.http.send({
      method,
      path,
      headers: { ...headers, 'if-match': tag },
      body,
    });
    if (current.status >= 200 && current.status < 300) {
      findings.add('pass', `${described(current)} with the current ETag ${tag}`);
    } else {
      findings.add(
        'warn',
        `${described(current)} with the current ETag ${tag}: the matching version is refused too`,
      );
    }
    return findings.outcome({
      pass: 'stale If-Match is refused with 412; the current one is honoured',
    });
  },
};
