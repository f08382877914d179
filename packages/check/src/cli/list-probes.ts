import { PROBES } from '../probes/registry.js';
import { sectionTitle } from '../probes/sections.js';

/** Every probe, as JSON or as a readable list. */
export function listProbes(json: boolean): string {
  if (json) {
    const probes = PROBES.map(({ id, title, section, kind, writes, rationale, fix, plan }) => ({
      id,
      title,
      section,
      kind,
      writes,
      rationale,
      fix,
      plan,
    }));
    return `${JSON.stringify(probes, null, 2)}\n`;
  }
  return `${PROBES.map(
    (p) =>
      `${p.id}  [${sectionTitle(p.section)} · ${p.kind}${p.writes ? ' · writes' : ''}]\n  ${p.title}: ${p.rationale}`,
  ).join('\n')}\n`;
}
