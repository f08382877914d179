import type { Probe } from '../context.js';
import { Findings, fail, na, pass, warn } from '../outcome.js';
import { hasContinuation, readPage } from '../support/list-page.js';
import {
  cursorParam,
  described,
  ensureRecords,
  refused,
  NO_RESOURCE,
  pageSizeParam,
  withQuery,
} from '../support/targets.js';
import { paginationResource } from './pagination-limit.js';

export const paginationWalk: Probe = {
  id: 'pagination.walk',
  title: 'Cursor/Link walk reaches the end, no duplicates',
  section: 'scales',
  kind: 'live',
  writes: false,
  rationale:
    'Clients must be able to read a whole collection page by page, each item exactly once, whatever its size: cursors or Link rel="next", never "everything".',
  fix: 'Return pages with a next cursor (keyset pagination) and Link: <…>; rel="next"; end with has_more=false and no next link.',
  plan: [
    'GET <collection>?limit=1, then follows Link rel="next" (or the next cursor) up to --max-pages pages',
  ],
  async run(ctx) {
    const resource = paginationResource(ctx);
    if (!resource) return na(NO_RESOURCE);
    const { visible, first } = await ensureRecords(ctx, resource, 2);
    const denied = refused(first);
    if (denied) return denied;
    const { name: size, extra } = pageSizeParam(resource);
    const base = ctx.http.resolve(resource.listPath);
    let reply = await ctx.http.send({
      path: withQuery(resource.listPath, { ...extra, [size]: '1' }),
    });
    let page = readPage(reply, base);
    if (reply.status !== 200 || !page.items) return fail(`${described(reply)}: not a list page`);
    if (page.items.length === 0) return na(`${resource.listPath} is empty: nothing to walk`);
    if (page.items.length > 1 && !hasContinuation(page)) {
      return fail(
        `${described(reply)}: ${page.items.length} items for ${size}=1 and no way to a next page: the list is not paginated`,
      );
    }
    if (visible < 2)
      return na(
        `${resource.listPath} has only ${visible} record: nothing to walk${ctx.settings.writesAllowed ? '' : ' (--allow-writes creates some)'}`,
      );
    if (!hasContinuation(page)) {
      return fail(
        `${described(reply)}: 1 of ${visible} items and no Link rel="next", next cursor or has_more`,
      );
    }
    const findings = new Findings();
    const seen = new Map<string, number>();
    const visited = new Set<string>();
    let pages = 1;
    const note = (ids: string[], pageNo: number) => {
      for (const id of ids) {
        if (seen.has(id))
          findings.add('fail', `${id} on page ${pageNo} was already on page ${seen.get(id)}`);
        else seen.set(id, pageNo);
      }
    };
    note(page.ids, 1);
    for (;;) {
      if (page.hasMore === false && !page.next) break;
      const next =
        page.next ??
        (page.nextCursor
          ? ctx.http.resolve(
              withQuery(resource.listPath, {
                [size]: '1',
                [cursorParam(resource)]: page.nextCursor,
              }),
            )
          : undefined);
      if (!next) {
        if (page.hasMore === true)
          findings.add('fail', `page ${pages} says has_more but gives no next link or cursor`);
        break;
      }
      if (visited.has(next.toString())) {
        findings.add(
          'fail',
          `page ${pages} links back to ${next.pathname}${next.search}: the walk would never end`,
        );
        break;
      }
      if (pages >= ctx.settings.maxPages) {
        return warn(
          `walked ${pages} pages (${seen.size} items, no duplicates) without reaching the end: raise --max-pages`,
        );
      }
      visited.add(next.toString());
      reply = await ctx.http.send({ url: next });
      pages += 1;
      page = readPage(reply, base);
      if (reply.status !== 200 || !page.items) {
        findings.add('fail', `${described(reply)}: following the next link failed`);
        break;
      }
      note(page.ids, pages);
      if (page.items.length === 0 && page.hasMore !== false && !page.next) break;
    }
    if (findings.status === 'fail') return findings.outcome({});
    return pass(`walked ${pages} pages to the end: ${seen.size} items, no duplicates`);
  },
};
