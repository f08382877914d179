import type { Probe } from '../context.js';
import { fail, na, pass } from '../outcome.js';
import { described, NO_RESOURCE, protectedResource, someRecord } from '../support/targets.js';

export const etag: Probe = {
  id: 'caching.etag',
  title: 'ETag + If-None-Match → 304',
  section: 'scales',
  kind: 'live',
  writes: false,
  rationale:
    'Conditional GETs let clients and caches revalidate without downloading again: less bandwidth, less load, the same freshness.',
  fix: 'Send an ETag on GET responses (a version or a content hash) and answer If-None-Match with 304 Not Modified and no body.',
  plan: [
    'GET <item> (or <collection>) and read its ETag',
    'GET it again with If-None-Match: <etag>',
  ],
  async run(ctx) {
    const resource = ctx.catalog.primary() ?? protectedResource(ctx);
    if (!resource) return na(NO_RESOURCE);
    const record = await someRecord(ctx, resource);
    let path = record?.path ?? resource.listPath;
    let first = await ctx.http.send({ path });
    // An item path guessed from the list (`/_catalog/alpha`) may not exist: the collection itself
    // is still something to revalidate.
    const missedItem = first.status !== 200 && path !== resource.listPath ? described(first) : '';
    if (missedItem) {
      path = resource.listPath;
      first = await ctx.http.send({ path });
    }
    const before = missedItem ? `${missedItem}, so the collection: ` : '';
    if (first.status !== 200) return na(`${before}${described(first)}: nothing to revalidate`);
    const tag = first.header('etag');
    if (!tag) return fail(`${before}${described(first)} has no ETag`);
    const second = await ctx.http.send({ path, headers: { 'if-none-match': tag } });
    if (second.status !== 304) {
      return fail(`${described(second)} with If-None-Match: ${tag}; expected 304`);
    }
    if (second.exchange.response!.bodyBytes > 0) {
      return fail(
        `${described(second)} but with a ${second.exchange.response!.bodyBytes}-byte body`,
      );
    }
    return pass(`${path}: ETag ${tag}, 304 on revalidation`);
  },
};
