import type { Reply } from '../../http/client.js';
import { linkWithRel, parseHttpDate } from '../../http/headers.js';
import type { Operation } from '../../openapi/document.js';
import { itemUrl } from '../../target/catalog.js';
import type { Probe, ProbeContext } from '../context.js';
import { Findings, na, warn } from '../outcome.js';
import { readPage } from '../support/list-page.js';
import { described } from '../support/targets.js';

/** Deprecated GET operations checked per run: enough to see a policy, cheap on the budget. */
const MAX_CHECKED = 3;

/** The request path of a deprecated GET, its parameter filled from its collection when it has one. */
async function reachablePath(ctx: ProbeContext, op: Operation): Promise<string | undefined> {
  const path = ctx.catalog.requestPath(op);
  if (!/\{[^}]+\}/.test(path)) return path;
  const resource = ctx.catalog.resources.find((r) => r.item === op);
  if (!resource?.itemPath) return undefined;
  const list = await ctx.http.send({ path: resource.listPath });
  const id = readPage(list, ctx.http.resolve(resource.listPath)).ids[0];
  return id && !id.startsWith('{') ? itemUrl(resource.itemPath, id) : undefined;
}

/** The parts of an answer the judgement reads. */
interface Answer {
  seen: string;
  url: string;
  header(name: string): string | undefined;
}

const answerOf = (reply: Reply): Answer => ({
  seen: described(reply),
  url: reply.exchange.request.url,
  header: (name) => reply.header(name),
});

/** Judges the Deprecation, Sunset and Link fields of one answer. */
function judge(reply: Answer, findings: Findings): void {
  const { seen } = reply;
  const deprecation = reply.header('deprecation');
  let deprecatedAt: number | undefined;
  if (deprecation === undefined) {
    findings.add('fail', `${seen}: no Deprecation header`);
  } else if (/^@-?\d+$/.test(deprecation.trim())) {
    deprecatedAt = Number(deprecation.trim().slice(1)) * 1000;
    findings.add('pass', `${seen}: Deprecation: ${deprecation}`);
  } else if (parseHttpDate(deprecation) !== undefined || deprecation.trim() === 'true') {
    findings.add(
      'warn',
      `${seen}: Deprecation: ${deprecation} is the pre-RFC draft form; RFC 9745 wants @<unix-seconds>`,
    );
    deprecatedAt = parseHttpDate(deprecation);
  } else {
    findings.add(
      'fail',
      `${seen}: Deprecation: ${deprecation} is malformed (RFC 9745: @<unix-seconds>)`,
    );
  }
  const sunset = reply.header('sunset');
  if (sunset === undefined) {
    findings.add('warn', `${seen}: no Sunset header (RFC 8594) saying when it stops working`);
  } else {
    const sunsetAt = parseHttpDate(sunset);
    if (sunsetAt === undefined)
      findings.add('fail', `${seen}: Sunset: ${sunset} is not an HTTP-date`);
    else if (deprecatedAt !== undefined && sunsetAt < deprecatedAt) {
      findings.add('fail', `${seen}: Sunset (${sunset}) is before the deprecation date`);
    } else findings.add('pass', `${seen}: Sunset: ${sunset}`);
  }
  const base = new URL(reply.url);
  const successor =
    linkWithRel(reply.header('link'), 'successor-version', base) ??
    linkWithRel(reply.header('link'), 'deprecation', base) ??
    linkWithRel(reply.header('link'), 'sunset', base);
  if (successor) findings.add('pass', `${seen}: Link to ${successor.toString()}`);
  else {
    findings.add(
      'warn',
      `${seen}: no Link rel="successor-version" (or rel="deprecation") telling clients where to go`,
    );
  }
}

export const deprecation: Probe = {
  id: 'versioning.deprecation',
  title: 'Deprecated operations send Deprecation/Sunset',
  section: 'predictable',
  kind: 'live',
  writes: false,
  rationale:
    'Clients only learn that an operation is going away if its responses say so: Deprecation (RFC 9745), Sunset (RFC 8594) and a successor link.',
  fix: 'On every response of a deprecated operation send Deprecation: @<unix-time>, Sunset: <HTTP-date> and Link: <…>; rel="successor-version".',
  plan: [`GET up to ${MAX_CHECKED} operations marked deprecated in the document`],
  async run(ctx) {
    const deprecated = ctx.catalog.deprecatedOperations().filter((op) => op.method === 'get');
    const findings = new Findings();
    let checked = 0;
    for (const op of deprecated) {
      if (checked >= MAX_CHECKED) break;
      const path = await reachablePath(ctx, op);
      if (!path) continue;
      const reply = await ctx.http.send({ path });
      if (reply.status >= 400 && reply.header('deprecation') === undefined) {
        findings.add('na', `${described(reply)}: could not reach it to check`);
        continue;
      }
      checked += 1;
      judge(answerOf(reply), findings);
    }
    if (checked > 0) {
      return findings.outcome({
        pass: `${checked} deprecated operation(s) announce it with Deprecation, Sunset and Link`,
      });
    }
    if (deprecated.length > 0) {
      return na(`no deprecated GET operation could be reached (${deprecated[0]!.key} …)`);
    }
    // Nothing is documented as deprecated: did any answer of this run say otherwise?
    const announced = ctx.journal
      .answered()
      .find((e) => e.response.headers['deprecation'] !== undefined);
    if (!announced) {
      return na(
        ctx.catalog.documents.length > 0
          ? 'no operation is marked deprecated in the document, and no response announced a deprecation'
          : 'no document marks operations deprecated, and no response announced a deprecation',
      );
    }
    const where = `${announced.request.method} ${new URL(announced.request.url).pathname}`;
    if (ctx.catalog.documents.length > 0) {
      return warn(`${where} announces a deprecation the document does not mark (deprecated: true)`);
    }
    judge(
      {
        seen: `${where} → ${announced.response.status}`,
        url: announced.request.url,
        header: (name) => announced.response.headers[name],
      },
      findings,
    );
    return findings.outcome({ pass: `${where} announces its deprecation correctly` });
  },
};
