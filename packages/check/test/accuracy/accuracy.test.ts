import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import type { Status } from '../../src/probes/outcome.js';
import { PROBES } from '../../src/probes/registry.js';
import type { Report } from '../../src/report/report.js';
import { check } from '../support/check.js';
import { dockerRegistry, httpbin, jsonServer, unleash, type Started } from './targets.js';

/*
 * The checker against real third-party servers nobody here wrote, in read-only mode with the flags
 * a user would give. Each target has a committed file of expected verdicts, one per probe, each
 * with the reason verified by hand with curl (test/accuracy/expected/). The suite fails on any
 * disagreement, prints an accuracy table, and proves the run changed nothing on the target.
 */
interface Expected {
  target: string;
  command: string;
  probes: Record<string, { verdict: Status; reason: string }>;
}

interface Row {
  target: string;
  total: number;
  correct: number;
  falsePass: number;
  falseFail: number;
  wrongNa: number;
  other: number;
  skipped?: string;
}

const rows: Row[] = [];

function expectedFor(name: string): Expected {
  return JSON.parse(
    readFileSync(new URL(`./expected/${name}.json`, import.meta.url), 'utf8'),
  ) as Expected;
}

/** One disagreement's class: a pass where it should not, a fail/warn where it should pass… */
function classify(
  expected: Status,
  actual: Status,
): keyof Omit<Row, 'target' | 'total' | 'skipped'> {
  if (expected === actual) return 'correct';
  if (actual === 'na' || expected === 'na') return 'wrongNa';
  if (actual === 'pass') return 'falsePass';
  if (expected === 'pass') return 'falseFail';
  return 'other';
}

const TARGETS: [string, () => Promise<Started>][] = [
  ['json-server', jsonServer],
  ['httpbin', httpbin],
  ['docker-registry', dockerRegistry],
  ['unleash', unleash],
];

for (const [name, startTarget] of TARGETS) {
  describe(name, () => {
    it('agrees with the hand-verified verdicts, and writes nothing', async () => {
      const expected = expectedFor(name);
      expect(Object.keys(expected.probes).sort()).toEqual(PROBES.map((p) => p.id).sort());
      const started = await startTarget();
      if (!started.ok) {
        rows.push({
          target: name,
          total: 0,
          correct: 0,
          falsePass: 0,
          falseFail: 0,
          wrongNa: 0,
          other: 0,
          skipped: started.reason,
        });
        console.warn(`accuracy: ${name} skipped: ${started.reason}`);
        return;
      }
      const { target } = started;
      let report: Report;
      let before: string | undefined;
      let after: string | undefined;
      try {
        before = await target.state();
        report = await check(target.url, { rps: 50, timeBudgetS: 120, ...target.options });
        after = await target.state();
      } finally {
        await target.stop();
      }
      const row: Row = {
        target: name,
        total: 0,
        correct: 0,
        falsePass: 0,
        falseFail: 0,
        wrongNa: 0,
        other: 0,
      };
      const disagreements: string[] = [];
      for (const probe of report.probes) {
        const want = expected.probes[probe.id]!;
        row.total += 1;
        const kind = classify(want.verdict, probe.status);
        row[kind] += 1;
        if (kind !== 'correct') {
          disagreements.push(
            `${probe.id}: expected ${want.verdict} (${want.reason}), got ${probe.status}: ${probe.summary}`,
          );
        }
      }
      rows.push(row);
      expect(report.writes).toBe(false);
      expect(after, "the target's stored state changed during a read-only run").toBe(before);
      expect(disagreements).toEqual([]);
    }, 240_000);
  });
}

afterAll(() => {
  const ran = rows.filter((row) => !row.skipped);
  const total = ran.reduce((sum, row) => sum + row.total, 0);
  const correct = ran.reduce((sum, row) => sum + row.correct, 0);
  const lines = [
    '| target | verdicts | correct | false pass | false fail | wrong n/a | other |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((row) =>
      row.skipped
        ? `| ${row.target} | skipped: ${row.skipped} | | | | | |`
        : `| ${row.target} | ${row.total} | ${row.correct} (${Math.floor((1000 * row.correct) / row.total) / 10}%) | ${row.falsePass} | ${row.falseFail} | ${row.wrongNa} | ${row.other} |`,
    ),
    `| all | ${total} | ${correct} (${total ? Math.floor((1000 * correct) / total) / 10 : 0}%) | | | | |`,
  ];
  console.log(`\nsteadfast-check accuracy on real targets (read-only)\n${lines.join('\n')}\n`);
});
