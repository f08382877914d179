import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PROBES } from '../src/probes/registry.js';
import { USAGE } from '../src/cli/usage.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the README', () => {
  it('documents every probe id, and no probe that does not exist', () => {
    const probes = README.slice(README.indexOf('## Probes'), README.indexOf('## Reports'));
    const documented = new Set([...probes.matchAll(/^\| `([a-z]+\.[a-z-]+)`/gm)].map((m) => m[1]));
    expect([...documented].sort()).toEqual(PROBES.map((p) => p.id).sort());
  });

  it('documents every command-line option', () => {
    const options = [...USAGE.matchAll(/^ {2}(--[a-z-]+)/gm)].map((m) => m[1]!);
    expect(options.length).toBeGreaterThan(20);
    for (const option of options) expect(README, option).toContain(`\`${option}`);
  });
});
