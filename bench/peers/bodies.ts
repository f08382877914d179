import { readFileSync } from 'node:fs';

/** The JSON bodies the real API sent for GET /v1/orders/{id} and GET /v1/orders?limit=20. */
export interface CapturedBodies {
  order: unknown;
  list: unknown;
}

/**
 * Reads BENCH_BARE_BODIES, the `{ "order": …, "list": … }` file bench/run.ts captures from the real
 * server at the start of a run, so the in-memory peers answer exactly what the API answers.
 */
export function capturedBodies(): CapturedBodies {
  const file = process.env.BENCH_BARE_BODIES;
  if (!file) throw new Error('BENCH_BARE_BODIES must name the captured bodies file');
  return JSON.parse(readFileSync(file, 'utf8')) as CapturedBodies;
}
