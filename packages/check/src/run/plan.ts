import { discoverDocuments } from '../openapi/load.js';
import { selectProbes } from '../probes/registry.js';
import type { SectionId } from '../probes/sections.js';
import { Catalog } from '../target/catalog.js';
import { writesAllowed, type CheckOptions } from './options.js';

/** A probe as --dry-run lists it. */
export interface PlannedProbe {
  id: string;
  title: string;
  section: SectionId;
  kind: 'live' | 'static';
  writes: boolean;
  /** Why it would not run, when it would not. */
  skipped?: string;
  requests: string[];
}

/** What a run would do, without sending anything. */
export interface Plan {
  target: string;
  writes: boolean;
  limits: { maxRequests: number; rps: number; timeBudgetS: number; timeoutS: number };
  credentials: { a: boolean; b: boolean };
  documents: string[];
  collections: string[];
  probes: PlannedProbe[];
}

/**
 * The dry run: which probes would run and what they would send. Sends no request at all; only
 * local --openapi files are read, to name the collections the probes would use.
 */
export async function planCheck(options: CheckOptions): Promise<Plan> {
  const writes = writesAllowed(options);
  const localFiles = options.openapi.filter((location) => !/^https?:\/\//i.test(location));
  const discovery = await discoverDocuments(undefined, localFiles);
  const catalog = new Catalog(discovery.documents, new URL(options.baseUrl), options.resources);
  const remote = options.openapi.filter((location) => /^https?:\/\//i.test(location));
  return {
    target: options.baseUrl,
    writes,
    limits: {
      maxRequests: options.maxRequests,
      rps: options.rps,
      timeBudgetS: options.timeBudgetS,
      timeoutS: options.timeoutS,
    },
    credentials: { a: options.auth !== undefined, b: options.authB !== undefined },
    documents: [
      ...discovery.documents.map((doc) => doc.source),
      ...remote.map((url) => `${url} (fetched at run time)`),
      ...(options.openapi.length === 0 ? ['discovered at run time (see docs.openapi)'] : []),
    ],
    collections: catalog.resources.map((resource) => resource.listPath),
    probes: selectProbes(options.only, options.skip).map((probe) => ({
      id: probe.id,
      title: probe.title,
      section: probe.section,
      kind: probe.kind,
      writes: probe.writes,
      skipped:
        probe.writes && !writes
          ? 'write probe: needs --allow-writes and --allow-writes-on <host>'
          : probe.id === 'auth.tenant-isolation' && options.authB === undefined
            ? 'needs --auth-b'
            : undefined,
      requests: probe.plan,
    })),
  };
}
