import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createJobRunner, type JobOutcome } from '../../src/platform/jobs/runner.js';

/** A pass that stays running until the test resolves or rejects it. */
function controllable() {
  const passes: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const run = vi.fn(
    () =>
      new Promise<void>((resolve, reject) => {
        passes.push({ resolve, reject });
      }),
  );
  return { run, passes };
}

describe('job runner', () => {
  const counted: [string, JobOutcome][] = [];
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'warn' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const runner = () =>
    createJobRunner({ log, counted: (job, outcome) => counted.push([job, outcome]) });

  beforeEach(() => {
    vi.useFakeTimers();
    counted.length = 0;
    lines.length = 0;
  });
  afterEach(() => vi.useRealTimers());

  it('never overlaps passes: a tick that finds one running is skipped', async () => {
    const jobs = runner();
    const { run, passes } = controllable();
    jobs.schedule({ name: 'slow', intervalMs: 100, run });
    await vi.advanceTimersByTimeAsync(350);
    expect(run).toHaveBeenCalledTimes(1);
    passes[0]!.resolve();
    await vi.advanceTimersByTimeAsync(100);
    expect(run).toHaveBeenCalledTimes(2);
    expect(counted).toEqual([['slow', 'ok']]);
    passes[1]!.resolve();
    await jobs.stop();
  });

  it('logs and counts a failed pass instead of throwing, and tries again on the next tick', async () => {
    const jobs = runner();
    const run = vi
      .fn()
      .mockRejectedValueOnce(new Error('database is gone'))
      .mockResolvedValue(undefined);
    jobs.schedule({ name: 'flaky', intervalMs: 100, run });
    await vi.advanceTimersByTimeAsync(200);
    expect(counted).toEqual([
      ['flaky', 'failed'],
      ['flaky', 'ok'],
    ]);
    expect(lines).toMatchObject([
      { event: 'job.failed', job: 'flaky', err: { message: 'database is gone' } },
    ]);
    await jobs.stop();
  });

  it('stop() clears the timers, awaits the pass in flight, then runs the final passes', async () => {
    const jobs = runner();
    const order: string[] = [];
    const { run, passes } = controllable();
    jobs.schedule({ name: 'purge', intervalMs: 100, run });
    jobs.schedule({
      name: 'flush',
      intervalMs: 10_000,
      run: async () => void order.push('flush'),
      finalPassOnStop: true,
    });
    await vi.advanceTimersByTimeAsync(100);
    let stopped = false;
    const stopping = jobs.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stopped).toBe(false);
    expect(order).toEqual([]);
    order.push('purge finished');
    passes[0]!.resolve();
    await stopping;
    expect(order).toEqual(['purge finished', 'flush']);
    expect(run).toHaveBeenCalledTimes(1);
    expect(jobs.stop()).toBe(jobs.stop());
  });

  it('tells a pass in flight that the runner is stopping, so a long one can end early', async () => {
    const jobs = runner();
    const seen: AbortSignal[] = [];
    let batches = 0;
    jobs.schedule({
      name: 'drain',
      intervalMs: 100,
      // A draining loop, as webhook delivery's: one batch per tick of 10 ms until told to stop.
      run: async (stopping) => {
        seen.push(stopping);
        while (!stopping.aborted) {
          batches += 1;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
    });
    await vi.advanceTimersByTimeAsync(150);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.aborted).toBe(false);
    const stopped = jobs.stop();
    expect(seen[0]!.aborted).toBe(true);
    await vi.advanceTimersByTimeAsync(10);
    await stopped;
    const after = batches;
    await vi.advanceTimersByTimeAsync(500);
    expect(batches).toBe(after);
    expect(counted).toEqual([['drain', 'ok']]);
  });

  it('runNow joins a pass in flight instead of starting a second one', async () => {
    const jobs = runner();
    const { run, passes } = controllable();
    jobs.schedule({ name: 'purge', intervalMs: 100, run });
    await vi.advanceTimersByTimeAsync(100);
    const joined = jobs.runNow('purge');
    passes[0]!.resolve();
    await joined;
    expect(run).toHaveBeenCalledTimes(1);
    await expect(jobs.runNow('missing')).rejects.toThrow('no job named missing');
    expect(() => jobs.schedule({ name: 'purge', intervalMs: 1, run })).toThrow('already scheduled');
    await jobs.stop();
  });
});
