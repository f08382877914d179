import type { Probe } from '../context.js';
import { fail, na, pass, warn } from '../outcome.js';
import { errorShape } from '../support/problem.js';
import { listed } from '../support/targets.js';

/** Probes whose requests are the run's own housekeeping, not questions put to the API. */
const HOUSEKEEPING = new Set(['discovery', 'cleanup']);

export const problemShape: Probe = {
  id: 'errors.problem-shape',
  title: 'One error shape everywhere',
  section: 'fails-gracefully',
  kind: 'live',
  writes: false,
  rationale:
    'Clients write one error handler: every 4xx/5xx must share one shape, ideally RFC 9457 problem+json with a stable type.',
  fix: 'Route every error (framework, validation, auth, rate limit, proxy) through one handler that emits application/problem+json.',
  plan: ['no requests of its own: compares every 4xx/5xx answer the other probes received'],
  async run(ctx) {
    const errors = ctx.journal
      .answered()
      .filter(
        (e) =>
          !HOUSEKEEPING.has(e.probe) &&
          e.scan &&
          e.request.method !== 'HEAD' &&
          e.response.status >= 400,
      );
    if (errors.length < 2) return na('fewer than two error responses were seen in this run');
    const shapes = new Map<string, string[]>();
    for (const e of errors) {
      const shape = errorShape(e.response);
      const where = `${e.request.method} ${new URL(e.request.url).pathname} → ${e.response.status}`;
      shapes.set(shape, [...(shapes.get(shape) ?? []), where]);
    }
    const details = [...shapes].map(
      ([shape, where]) => `${shape}: ${listed([...new Set(where)], 4).join(', ')}`,
    );
    if (shapes.size === 1 && shapes.has('problem')) {
      return pass(`all ${errors.length} error responses are application/problem+json`, details);
    }
    if (shapes.size === 1) {
      return warn(
        `all ${errors.length} error responses share one shape, but it is not RFC 9457 problem+json`,
        details,
      );
    }
    return fail(
      `${shapes.size} different error shapes in ${errors.length} error responses`,
      details,
    );
  },
};
