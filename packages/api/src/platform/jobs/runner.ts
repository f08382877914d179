import type { FastifyBaseLogger } from 'fastify';

/** How a background job's pass ended, as counted in steadfast_background_job_runs_total. */
export type JobOutcome = 'ok' | 'failed';

/** One periodic task of an instance (purge, flush, reconciliation). */
export interface JobDefinition {
  /** Stable name: the `job` label of the metric and the `job` field of its log lines. */
  name: string;
  /** Time between ticks; a tick that finds the previous pass still running is skipped. */
  intervalMs: number;
  /**
   * One pass. Its errors are logged and counted, never thrown into the event loop. `stopping`
   * is aborted when the runner stops: a long pass ends early (finishing or releasing its work)
   * rather than holding the shutdown.
   */
  run: (stopping: AbortSignal) => Promise<unknown>;
  /** Also run one last pass on stop (e.g. writing buffered data before the database closes). */
  finalPassOnStop?: boolean;
}

export interface JobRunner {
  /** Starts a job on its interval. */
  schedule(job: JobDefinition): void;
  /** Runs a job's pass now, unless one is running (then waits for that one); for tests and CLIs. */
  runNow(name: string): Promise<void>;
  /** Stops every timer, awaits passes in flight, then runs the final passes. Idempotent. */
  stop(): Promise<void>;
}

interface Scheduled {
  job: JobDefinition;
  timer: NodeJS.Timeout;
  running: Promise<void> | undefined;
}

/**
 * The one policy for every periodic task: no overlapping passes (a slow pass makes the next tick
 * skip, so work never piles up), errors logged and counted instead of thrown, timers unref'd
 * (they never keep a process alive), and stop() awaits what is running so the resources a pass
 * uses are closed only after it.
 */
export function createJobRunner(options: {
  log: FastifyBaseLogger;
  counted?: (job: string, outcome: JobOutcome) => void;
}): JobRunner {
  const jobs = new Map<string, Scheduled>();
  let stopping: Promise<void> | undefined;
  const stop = new AbortController();

  const pass = (entry: Scheduled): Promise<void> => {
    if (entry.running) return entry.running;
    const { name } = entry.job;
    entry.running = entry.job
      .run(stop.signal)
      .then(
        () => options.counted?.(name, 'ok'),
        (error: unknown) => {
          options.counted?.(name, 'failed');
          options.log.warn({ event: 'job.failed', job: name, err: error }, `${name} failed`);
        },
      )
      .finally(() => {
        entry.running = undefined;
      });
    return entry.running;
  };

  return {
    schedule(job) {
      if (jobs.has(job.name)) throw new Error(`job ${job.name} is already scheduled`);
      const entry: Scheduled = {
        job,
        running: undefined,
        timer: setInterval(() => {
          if (entry.running === undefined && stopping === undefined) void pass(entry);
        }, job.intervalMs).unref(),
      };
      jobs.set(job.name, entry);
    },
    async runNow(name) {
      const entry = jobs.get(name);
      if (entry === undefined) throw new Error(`no job named ${name}`);
      await pass(entry);
    },
    stop() {
      stopping ??= (async () => {
        for (const entry of jobs.values()) clearInterval(entry.timer);
        stop.abort();
        await Promise.all([...jobs.values()].map((entry) => entry.running ?? Promise.resolve()));
        for (const entry of jobs.values()) if (entry.job.finalPassOnStop) await pass(entry);
      })();
      return stopping;
    },
  };
}
