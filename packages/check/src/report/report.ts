import type { Status } from '../probes/outcome.js';
import type { SectionId } from '../probes/sections.js';

/** One exchange as shown in reports: enough to reproduce the finding, no secrets. */
export interface Evidence {
  method: string;
  url: string;
  requestHeaders: Record<string, string>;
  requestBody?: string;
  status?: number;
  responseHeaders?: Record<string, string>;
  responseBody?: string;
  error?: string;
  durationMs: number;
}

/** The result of one probe. */
export interface ProbeResult {
  id: string;
  title: string;
  section: SectionId;
  kind: 'live' | 'static';
  writes: boolean;
  status: Status;
  summary: string;
  details: string[];
  rationale: string;
  fix: string;
  /** Did not run to its end: request or time budget ran out. */
  incomplete: boolean;
  requests: number;
  durationMs: number;
  evidence: Evidence[];
  /** Exchanges left out of `evidence`. */
  moreEvidence: number;
}

/** Score of one section: (pass + ½·warn) / applicable, in percent; null when nothing applied. */
export interface SectionScore {
  id: SectionId;
  title: string;
  score: number | null;
  counts: Record<Status, number>;
}

/** Everything one run found: what the formatters render. */
export interface Report {
  tool: { name: string; version: string };
  target: string;
  documents: string[];
  startedAt: string;
  durationMs: number;
  requests: { sent: number; max: number; rps: number };
  writes: boolean;
  probes: ProbeResult[];
  sections: SectionScore[];
  score: number | null;
  counts: Record<Status, number>;
  /** Some probes were cut short by the request or time budget. */
  incomplete: boolean;
  /** Things the reader should know: records left behind, budgets hit. */
  notes: string[];
}
