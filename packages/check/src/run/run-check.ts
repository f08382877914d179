import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { BudgetExhausted, RequestBudget } from '../http/budget.js';
import {
  forProbe,
  HttpClient,
  type Reply,
  TransportError,
  UnsafeMethodRefused,
} from '../http/client.js';
import { parseCredential } from '../http/credentials.js';
import { Journal } from '../http/exchange.js';
import { discoverDocuments } from '../openapi/load.js';
import type { Probe, ProbeContext, ProbeSettings } from '../probes/context.js';
import { fail, na, type Outcome } from '../probes/outcome.js';
import { selectProbes } from '../probes/registry.js';
import { hasContinuation, readPage } from '../probes/support/list-page.js';
import { versionPrefix } from '../probes/support/targets.js';
import { SECTIONS } from '../probes/sections.js';
import type { ProbeResult, Report } from '../report/report.js';
import { countStatuses, scoreOf, sectionScores } from '../report/score.js';
import { Catalog } from '../target/catalog.js';
import { CreatedRecords } from '../target/records.js';
import { TOOL_NAME, VERSION } from '../version.js';
import { evidenceOf } from './evidence.js';
import { writesAllowed, type CheckOptions } from './options.js';

/** Progress of a run, for the terminal indicator. */
export type Progress =
  | { type: 'discovery' }
  | { type: 'probe'; index: number; total: number; id: string; requests: number }
  | { type: 'cleanup'; records: number }
  | { type: 'done' };

/** The target answered nothing at all: no probe can run. */
export class TargetUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetUnreachable';
  }
}

/** Requests held back for deleting what write probes created. */
const CLEANUP_RESERVE = 20;
/** Longest Retry-After the burst probe waits out to see the limit recover. */
const MAX_RECOVERY_WAIT_S = 60;

async function runProbe(probe: Probe, ctx: ProbeContext, writes: boolean): Promise<Outcome> {
  if (probe.writes && !writes) {
    return na('write probe: run with --allow-writes and --allow-writes-on <host> to include it');
  }
  try {
    return await probe.run(ctx);
  } catch (error) {
    if (error instanceof BudgetExhausted) {
      return { ...na(`not finished: ${error.message}`), incomplete: true };
    }
    if (error instanceof TransportError) return fail(`no HTTP answer: ${error.message}`);
    if (error instanceof UnsafeMethodRefused) {
      return na(`not run: ${error.message}; run with --allow-writes to include it`);
    }
    // A bug of the tool is shown, not hidden as n/a: a gate must not pass on a probe that broke.
    const message = error instanceof Error ? error.message : String(error);
    return fail(`steadfast-check could not complete this probe (internal error: ${message})`);
  }
}

/** The probe's outcome with its description and the exchanges behind it. */
function resultOf(
  probe: Probe,
  outcome: Outcome,
  journal: Journal,
  durationMs: number,
): ProbeResult {
  // docs.openapi judges the discovery's requests, made before any probe ran.
  const { evidence, more } = evidenceOf(
    journal.byProbe(probe.id === 'docs.openapi' ? 'discovery' : probe.id),
  );
  return {
    id: probe.id,
    title: probe.title,
    section: probe.section,
    kind: probe.kind,
    writes: probe.writes,
    status: outcome.status,
    summary: outcome.summary,
    details: outcome.details ?? [],
    rationale: probe.rationale,
    fix: probe.fix,
    incomplete: outcome.incomplete === true,
    requests: journal.byProbe(probe.id).length,
    durationMs: Math.round(durationMs),
    evidence,
    moreEvidence: more,
  };
}

async function clientFor(
  options: CheckOptions,
  budget: RequestBudget,
  journal: Journal,
  readOnly: boolean,
) {
  return new HttpClient({
    base: new URL(options.baseUrl),
    credentials: {
      a: options.auth ? parseCredential(options.auth, 'A') : undefined,
      b: options.authB ? parseCredential(options.authB, 'B') : undefined,
    },
    budget,
    journal,
    timeoutMs: options.timeoutS * 1000,
    insecure: options.insecure,
    ca: options.ca ? await readFile(options.ca, 'utf8') : undefined,
    userAgent: `${TOOL_NAME}/${VERSION}`,
    readOnly,
  });
}

/**
 * The first request: proves the target answers at all (else TargetUnreachable), and notes a
 * redirect to another origin, since no probe follows redirects.
 */
async function preflight(client: HttpClient, notes: string[]): Promise<Reply> {
  let first;
  try {
    first = await client.send('discovery', { path: '/' });
  } catch (error) {
    if (!(error instanceof TransportError)) throw error;
    throw new TargetUnreachable(
      `${client.base.toString()} does not answer: ${error.exchange.error}`,
    );
  }
  const location = first.header('location');
  if (first.status >= 300 && first.status < 400 && location) {
    const target = new URL(location, client.base);
    if (target.origin !== client.base.origin) {
      notes.push(
        `the base URL redirects to ${target.origin}: probe that URL, redirects are not followed`,
      );
    }
  }
  return first;
}

/** Deletes what write probes created and says how that went. */
async function cleanUp(records: CreatedRecords, notes: string[]): Promise<void> {
  if (records.count === 0) return;
  const created = records.count;
  const leftovers = await records.cleanup();
  notes.push(
    `${created} record(s) created by write probes; ${created - leftovers.length} deleted again`,
  );
  notes.push(...leftovers);
}

/**
 * Runs the selected probes against the target and returns the report. Never sends a write
 * unless `writesAllowed(options)` says so (which throws WriteRefusal for an unnamed host).
 */
export async function runCheck(
  options: CheckOptions,
  onProgress: (progress: Progress) => void = () => undefined,
): Promise<Report> {
  const writes = writesAllowed(options);
  const started = Date.now();
  const budget = new RequestBudget({
    maxRequests: options.maxRequests,
    rps: options.rps,
    deadline: started + options.timeBudgetS * 1000,
    cleanupReserve: writes ? Math.min(CLEANUP_RESERVE, Math.floor(options.maxRequests / 5)) : 0,
  });
  const journal = new Journal();
  const client = await clientFor(options, budget, journal, !writes);
  const notes: string[] = [];
  try {
    onProgress({ type: 'discovery' });
    const root = await preflight(client, notes);
    const discovery = await discoverDocuments(client, options.openapi, {
      root,
      versionPrefix: versionPrefix(client.base.pathname) ?? undefined,
    });
    const catalog = new Catalog(discovery.documents, client.base, options.resources);
    if (catalog.resources.length > 0 || catalog.hasNested) {
      const http = forProbe(client, 'discovery');
      await catalog.confirmLive(async (path) => {
        const reply = await http.send({ path });
        const page = readPage(reply, http.resolve(path));
        return {
          status: reply.status,
          isList: page.items !== undefined,
          items: page.items?.length,
          continues: hasContinuation(page),
          firstId: page.items && page.items.length > 0 ? page.ids[0] : undefined,
        };
      }, options.pageParam);
    }
    notes.push(...catalog.notes);
    const records = new CreatedRecords(client);
    const settings: ProbeSettings = {
      writesAllowed: writes,
      burst: options.burst,
      rps: options.rps,
      maxBodyBytes: options.maxBodyBytes,
      maxPages: options.maxPages,
      maxRecoveryWaitS: MAX_RECOVERY_WAIT_S,
    };
    const probes = selectProbes(options.only, options.skip);
    const results: ProbeResult[] = [];
    for (const [index, probe] of probes.entries()) {
      onProgress({
        type: 'probe',
        index,
        total: probes.length,
        id: probe.id,
        requests: budget.sent,
      });
      const ctx: ProbeContext = {
        http: forProbe(client, probe.id),
        settings,
        discovery,
        catalog,
        records,
        journal,
        nonce: () => randomBytes(6).toString('hex'),
      };
      const probeStarted = performance.now();
      const outcome = await runProbe(probe, ctx, writes);
      results.push(resultOf(probe, outcome, journal, performance.now() - probeStarted));
    }
    if (records.count > 0) onProgress({ type: 'cleanup', records: records.count });
    await cleanUp(records, notes);
    const incomplete = results.filter((result) => result.incomplete);
    if (incomplete.length > 0) {
      notes.push(
        `${incomplete.length} probe(s) did not finish (${incomplete.map((r) => r.id).join(', ')}): raise --max-requests or --time-budget`,
      );
    }
    const order = SECTIONS.map((section) => section.id);
    results.sort((a, b) => order.indexOf(a.section) - order.indexOf(b.section));
    const counts = countStatuses(results);
    onProgress({ type: 'done' });
    return {
      tool: { name: TOOL_NAME, version: VERSION },
      target: options.baseUrl,
      documents: discovery.documents.map((doc) => doc.source),
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      requests: { sent: budget.sent, max: options.maxRequests, rps: options.rps },
      writes,
      probes: results,
      sections: sectionScores(results),
      score: scoreOf(counts),
      counts,
      incomplete: incomplete.length > 0,
      notes,
    };
  } finally {
    await client.close();
  }
}
