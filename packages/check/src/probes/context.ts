import type { ProbeHttp } from '../http/client.js';
import type { Journal } from '../http/exchange.js';
import type { Discovery } from '../openapi/load.js';
import type { Catalog } from '../target/catalog.js';
import type { CreatedRecords } from '../target/records.js';
import type { Outcome } from './outcome.js';
import type { SectionId } from './sections.js';

/** Settings probes read. */
export interface ProbeSettings {
  /** Write probes may run (--allow-writes and the host named in --allow-writes-on). */
  writesAllowed: boolean;
  /** Most requests the rate-limit probe sends in its burst. */
  burst: number;
  /** The run's pace: requests started per second at most. */
  rps: number;
  /** Largest request body the API should accept; the body-limit probe sends one byte more. */
  maxBodyBytes: number;
  /** Most pages the pagination walk follows. */
  maxPages: number;
  /** Longest Retry-After the rate-limit probe waits out to see the limit recover, in seconds. */
  maxRecoveryWaitS: number;
}

/** Everything a probe may use. */
export interface ProbeContext {
  http: ProbeHttp;
  settings: ProbeSettings;
  discovery: Discovery;
  catalog: Catalog;
  records: CreatedRecords;
  /** Every exchange of the run so far (aggregate probes read it). */
  journal: Journal;
  /** A fresh random token for unique keys, paths and values. */
  nonce(): string;
}

/** One check of the readiness checklist. */
export interface Probe {
  /** Stable id, e.g. `errors.unknown-route`. */
  id: string;
  title: string;
  section: SectionId;
  /** live: sends requests to the API; static: reads only the OpenAPI document. */
  kind: 'live' | 'static';
  /** Creates or changes data: runs only with --allow-writes. */
  writes: boolean;
  /** One line: why this matters. */
  rationale: string;
  /** How to fix a failure. */
  fix: string;
  /** What the probe sends, for --dry-run. */
  plan: string[];
  run(ctx: ProbeContext): Promise<Outcome>;
}
