import type { Probe } from '../context.js';
import { Findings, na } from '../outcome.js';
import { readPage } from '../support/list-page.js';
import { described, NO_RESOURCE, protectedResources, someRecord } from '../support/targets.js';

/** Collections tried for a record of tenant A before giving up. */
const MAX_TRIED = 3;

export const tenantIsolation: Probe = {
  id: 'auth.tenant-isolation',
  title: "Another tenant's records are not readable (BOLA)",
  section: 'protects-itself',
  kind: 'live',
  writes: false,
  rationale:
    'Broken object-level authorization is the first risk of the OWASP API Top 10: knowing an id must not be enough to read another account’s record.',
  fix: 'Scope every query by the caller’s tenant (WHERE account_id = …) and answer 404 for ids of other tenants.',
  plan: [
    'GET <collection> with credential A and take one record id (creates one with --allow-writes if the list is empty)',
    'GET <item> with credential A (control), then with credential B',
    'GET <collection> with credential B and look for the id',
  ],
  async run(ctx) {
    if (!ctx.http.hasCredential('a') || !ctx.http.hasCredential('b')) {
      return na('needs two credentials of different tenants: --auth and --auth-b');
    }
    const candidates = protectedResources(ctx)
      .filter((r) => r.itemPath)
      .slice(0, MAX_TRIED);
    if (candidates.length === 0)
      return na(`no protected collection with item reads is known; ${NO_RESOURCE}`);
    let found:
      { resource: (typeof candidates)[number]; record: { id: string; path: string } } | undefined;
    for (const resource of candidates) {
      const record = await someRecord(ctx, resource);
      if (record) {
        found = { resource, record };
        break;
      }
    }
    if (!found) {
      return na(
        `tenant A has no record in ${candidates.map((r) => r.listPath).join(', ')} to look for${ctx.settings.writesAllowed ? '' : ' (run with --allow-writes to create one)'}`,
      );
    }
    const { resource, record } = found;
    const own = await ctx.http.send({ path: record.path, as: 'a' });
    if (own.status !== 200) {
      return na(
        `${described(own)}: the record is not readable by its own tenant, so nothing can be compared`,
      );
    }
    const findings = new Findings();
    const other = await ctx.http.send({ path: record.path, as: 'b' });
    if (other.status === 401) {
      return na(`${described(other)}: credential B was refused; check --auth-b`);
    }
    if (other.status === 404 || other.status === 403) {
      findings.add('pass', `${described(other)} for tenant B`);
    } else if (other.status >= 200 && other.status < 300) {
      findings.add('fail', `${described(other)}: tenant B read tenant A's record ${record.id}`);
    } else {
      findings.add(
        'fail',
        `${described(other)}: expected 404 (or 403) for another tenant's record`,
      );
    }
    const list = await ctx.http.send({ path: resource.listPath, as: 'b' });
    const ids = readPage(list, ctx.http.resolve(resource.listPath)).ids;
    if (list.status === 200 && ids.includes(record.id)) {
      findings.add(
        'fail',
        `${described(list)}: tenant B's list contains tenant A's record ${record.id}`,
      );
    } else findings.add('pass', `${described(list)}: tenant B's list does not contain it`);
    return findings.outcome({
      pass: `tenant B cannot read tenant A's ${resource.listPath} records`,
    });
  },
};
