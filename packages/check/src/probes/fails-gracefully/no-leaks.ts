import type { Probe } from '../context.js';
import { fail, pass } from '../outcome.js';
import { findLeaks } from '../support/leaks.js';
import { cursorParam, listed, pageSizeParam, readPath, withQuery } from '../support/targets.js';
import { itemUrl } from '../../target/catalog.js';

export const noLeaks: Probe = {
  id: 'errors.no-leaks',
  title: 'No stack traces, SQL or banners',
  section: 'fails-gracefully',
  kind: 'live',
  writes: false,
  rationale:
    'Stack traces, SQL and framework versions in answers hand attackers a map of the system and the exploits that fit it.',
  fix: 'Log internals server-side under the request id and answer 500 with a generic problem; drop X-Powered-By and versioned Server headers.',
  plan: [
    'GET <collection>?<page size>=-1, ?<page size>=1e309, ?<cursor>=%ff, and <item path> with a quote in the id',
    'then scans the headers and bodies of every answer of the run',
  ],
  async run(ctx) {
    const { path, resource } = readPath(ctx);
    const provocations = [path];
    if (resource) {
      const size = pageSizeParam(resource).name;
      provocations.push(
        withQuery(path, { [size]: '-1' }),
        withQuery(path, { [size]: '1e309' }),
        `${withQuery(path, {})}?${cursorParam(resource)}=%ff%fe%27`,
      );
      if (resource.itemPath) provocations.push(itemUrl(resource.itemPath, `sc'"<${ctx.nonce()}`));
    }
    for (const provocation of provocations) await ctx.http.send({ path: provocation });

    // Grouped by kind: "a stack trace in 4 responses" reads better than 4 lines of traces. Every
    // number below is counted from this one list of exchanges, so summary and details agree.
    const scannedExchanges = ctx.journal.answered().filter((e) => e.scan);
    const found = new Map<string, { excerpt: string; seqs: Set<number>; where: string[] }>();
    const leaking = new Set<number>();
    for (const e of scannedExchanges) {
      for (const leak of findLeaks(e.response.headers, e.response.body)) {
        const where = `${e.request.method} ${new URL(e.request.url).pathname} → ${e.response.status}`;
        const entry = found.get(leak.what) ?? { excerpt: leak.excerpt, seqs: new Set(), where: [] };
        entry.seqs.add(e.seq);
        entry.where.push(where);
        found.set(leak.what, entry);
        leaking.add(e.seq);
      }
    }
    const scanned = scannedExchanges.length;
    if (found.size === 0) return pass(`nothing leaked in ${scanned} responses`);
    const details = [...found].map(
      ([what, { excerpt, seqs, where }]) =>
        `${what} in ${seqs.size} of ${scanned} response(s), e.g. "${excerpt}": ${listed(where, 4).join(', ')}`,
    );
    const kinds = [...found.keys()].join(', ');
    return fail(`${kinds}: in ${leaking.size} of the ${scanned} responses scanned`, details);
  },
};
