/** pass, warn (works but falls short of good practice), fail, or n/a (could not apply here). */
export type Status = 'pass' | 'warn' | 'fail' | 'na';

/** What one probe concluded. */
export interface Outcome {
  status: Status;
  /** One line: what was observed. */
  summary: string;
  /** Supporting lines: offending operations, headers seen, requests that failed. */
  details?: string[];
  /** Set when the probe did not run to its end (request budget or time budget ran out). */
  incomplete?: boolean;
}

export const pass = (summary: string, details?: string[]): Outcome => ({
  status: 'pass',
  summary,
  details,
});
export const warn = (summary: string, details?: string[]): Outcome => ({
  status: 'warn',
  summary,
  details,
});
export const fail = (summary: string, details?: string[]): Outcome => ({
  status: 'fail',
  summary,
  details,
});
export const na = (summary: string, details?: string[]): Outcome => ({
  status: 'na',
  summary,
  details,
});

/** The worst of several outcomes' statuses: fail > warn > pass > n/a. */
export function worst(statuses: Status[]): Status {
  for (const status of ['fail', 'warn', 'pass'] as const) {
    if (statuses.includes(status)) return status;
  }
  return 'na';
}

/**
 * Collects findings of several checks inside one probe and turns them into one outcome: the
 * worst status wins, and every finding becomes a detail line.
 */
export class Findings {
  private readonly items: { status: Status; text: string }[] = [];

  add(status: Status, text: string): this {
    this.items.push({ status, text });
    return this;
  }

  get status(): Status {
    return worst(this.items.map((item) => item.status));
  }

  get failures(): string[] {
    return this.items.filter((item) => item.status === 'fail').map((item) => item.text);
  }

  /** The outcome: `summary` chosen by the resulting status. */
  outcome(summaries: Partial<Record<Status, string>>): Outcome {
    const status = this.status;
    const worstItems = this.items.filter((item) => item.status === status);
    const summary = summaries[status] ?? worstItems[0]?.text ?? 'nothing to check';
    const prefix = { pass: '✓', warn: '!', fail: '✗', na: '–' } as const;
    return {
      status,
      summary,
      details: this.items.map((item) => `${prefix[item.status]} ${item.text}`),
    };
  }
}
