import type { Resource } from '../../target/catalog.js';
import type { Probe, ProbeContext } from '../context.js';
import { Findings, na } from '../outcome.js';
import { readPage } from '../support/list-page.js';
import {
  described,
  ensureRecords,
  refused,
  NO_RESOURCE,
  pageSizeParam,
  withQuery,
} from '../support/targets.js';

/** Largest page an undocumented list may return before it counts as unbounded. */
export const DEFAULT_CAP = 1000;
const HUGE = '1000000';

/** The collection pagination probes use: one the run can fill when writes are allowed. */
export function paginationResource(ctx: ProbeContext): Resource | undefined {
  const primary = ctx.catalog.primary();
  if (!ctx.settings.writesAllowed) return primary;
  const writable = ctx.catalog.writable();
  return primary && writable.includes(primary)
    ? primary
    : (writable.find((r) => r.list || r.guessed) ?? primary);
}

export const paginationLimit: Probe = {
  id: 'pagination.limit',
  title: 'Page size honoured and capped',
  section: 'scales',
  kind: 'live',
  writes: false,
  rationale:
    'A list without a capped page size returns every row the day the table is large: one request then costs the database, the network and the client.',
  fix: 'Accept a page-size parameter (limit) with a documented maximum (e.g. 100); refuse larger values with 400 or clamp them.',
  plan: [
    'GET <collection>?limit=1',
    `GET <collection>?limit=${HUGE}`,
    '(creates 2 records first with --allow-writes when the list has fewer)',
  ],
  async run(ctx) {
    const resource = paginationResource(ctx);
    if (!resource) return na(NO_RESOURCE);
    const size = pageSizeParam(resource);
    const { visible, first } = await ensureRecords(ctx, resource, 2);
    const denied = refused(first);
    if (denied) return denied;
    const base = ctx.http.resolve(resource.listPath);
    const findings = new Findings();
    const one = await ctx.http.send({
      path: withQuery(resource.listPath, { ...size.extra, [size.name]: '1' }),
    });
    const onePage = readPage(one, base);
    if (one.status !== 200 || !onePage.items) {
      findings.add('fail', `${described(one)}: not a list page`);
    } else if (onePage.items.length > 1) {
      findings.add(
        'fail',
        `${described(one)}: ${onePage.items.length} items for ${size.name}=1; the page size is ignored`,
      );
    } else if (visible < 2) {
      findings.add(
        'na',
        `${described(one)}: only ${visible} record(s), so ${size.name}=1 proves nothing${ctx.settings.writesAllowed ? '' : ' (--allow-writes creates some)'}`,
      );
    } else findings.add('pass', `${described(one)}: 1 item`);

    const huge = await ctx.http.send({ path: withQuery(resource.listPath, { [size.name]: HUGE }) });
    const hugePage = readPage(huge, base);
    const cap = size.maximum ?? DEFAULT_CAP;
    if (huge.status >= 400 && huge.status < 500) {
      findings.add('pass', `${described(huge)}: an oversized page is refused`);
    } else if (huge.status !== 200 || !hugePage.items) {
      findings.add('fail', `${described(huge)} for ${size.name}=${HUGE}`);
    } else if (hugePage.items.length > cap) {
      findings.add(
        'fail',
        `${described(huge)}: ${hugePage.items.length} items, over the cap of ${cap}`,
      );
    } else if (size.maximum !== undefined) {
      findings.add(
        'pass',
        `${described(huge)}: clamped to at most the documented maximum ${size.maximum}`,
      );
    } else if (onePage.items && onePage.items.length > 1) {
      findings.add(
        'fail',
        `${described(huge)}: no documented maximum, and the page size is ignored`,
      );
    } else {
      findings.add(
        'warn',
        `${described(huge)}: ${size.name}=${HUGE} accepted with no documented maximum`,
      );
    }
    return findings.outcome({
      pass: `${size.name} is honoured and capped${size.maximum ? ` at ${size.maximum}` : ''}`,
    });
  },
};
