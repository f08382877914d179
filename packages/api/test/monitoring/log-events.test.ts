import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_DIR } from '../support/process.js';
import { RUNBOOK_FILE } from './monitoring-files.js';

/** Every `.ts` file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

const code = sources(join(API_DIR, 'src')).map((file) => readFileSync(file, 'utf8'));
/** `event: 'name'` literals in the code. */
const logged = new Set(
  code.flatMap((text) => [...text.matchAll(/event: '([\w.]+)'/g)].map(([, n]) => n!)),
);
/** Suffixes of computed names, e.g. `${transition.kind}.transitioned` → ".transitioned". */
const computedSuffixes = code.flatMap((text) =>
  [...text.matchAll(/event: `\$\{[^}]+\}(\.\w+)`/g)].map(([, suffix]) => suffix!),
);

/** Event names in the first column of the tables under "## Log events" in the runbook. */
function documentedEvents(): Set<string> {
  const markdown = readFileSync(RUNBOOK_FILE, 'utf8');
  const start = markdown.indexOf('\n## Log events');
  const end = markdown.indexOf('\n## ', start + 1);
  const section = markdown.slice(start, end);
  return new Set([...section.matchAll(/^\| `(\w+\.[\w.]+)`/gm)].map(([, name]) => name!));
}

describe('the log event catalogue in docs/operations.md', () => {
  const documented = documentedEvents();

  it('finds the events the code logs', () => {
    // Not vacuous: the scan sees well-known events and the computed transition names.
    expect(logged).toContain('auth.failed');
    expect(logged).toContain('processor.breaker_opened');
    expect(computedSuffixes).toContain('.transitioned');
  });

  it('documents every event the code logs', () => {
    expect([...logged].filter((name) => !documented.has(name)).sort()).toEqual([]);
    for (const suffix of computedSuffixes) {
      expect(
        [...documented].some((name) => name.endsWith(suffix)),
        suffix,
      ).toBe(true);
    }
  });

  it('documents no event the code does not log', () => {
    const stale = [...documented].filter(
      (name) => !logged.has(name) && !computedSuffixes.some((suffix) => name.endsWith(suffix)),
    );
    expect(stale.sort()).toEqual([]);
  });
});
