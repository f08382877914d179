import { existsSync, readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import type { ApiVersion } from '../../platform/versioning/api-version.js';
import type { ContractChange } from './breaking-changes.js';
import { CONTRACTS_DIR } from './documents.js';

/**
 * A change the diff calls breaking that only makes the document say what the API already did:
 * e.g. a `pattern` stating a rule validation always enforced. It breaks no client (no request
 * that worked before fails now), so the gate lets exactly this change through, and nothing else:
 * the entry names the version, the JSON path and the new value, and says why, with the test that
 * proves the behaviour was already this (docs/versioning.md "Clarifying the document").
 */
export interface Clarification {
  version: ApiVersion;
  /** The change's path, as the gate prints it (`paths./v1/users.post…email.pattern`). */
  path: string;
  /** The value the current document has at `path`; any other value is not acknowledged. */
  after: unknown;
  reason: string;
  /** The test that shows the API behaved this way in every published version. */
  proof: string;
}

/** openapi/clarifications.json: the reviewed list. */
export const CLARIFICATIONS_PATH = `${CONTRACTS_DIR}clarifications.json`;

export function readClarifications(path = CLARIFICATIONS_PATH): Clarification[] {
  if (!existsSync(path)) return [];
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { clarifications?: Clarification[] };
  return parsed.clarifications ?? [];
}

/** Whether `change` (breaking by the diff) is one of the acknowledged clarifications. */
export function isClarified(
  version: ApiVersion,
  change: ContractChange,
  clarifications: Clarification[],
): boolean {
  return clarifications.some(
    (entry) =>
      entry.version === version &&
      entry.path === change.path &&
      change.action === 'add' &&
      isDeepStrictEqual(entry.after, change.after),
  );
}
