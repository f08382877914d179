import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createMemoryStore } from '../../src/platform/rate-limit/memory-store.js';
import { startApp, type TestApp } from '../support/app.js';
import { expectProblem } from '../support/http.js';

/** Tiny policies, so a test reaches every limit in a handful of requests. */
export const TINY_LIMITS = {
  RATE_LIMIT_API_KEY_QUOTA: '5',
  RATE_LIMIT_API_KEY_WINDOW_SECONDS: '60',
  RATE_LIMIT_WRITE_QUOTA: '2',
  RATE_LIMIT_WRITE_WINDOW_SECONDS: '60',
  RATE_LIMIT_IP_QUOTA: '4',
  RATE_LIMIT_IP_WINDOW_SECONDS: '60',
  RATE_LIMIT_AUTH_FAILURE_QUOTA: '3',
  RATE_LIMIT_AUTH_FAILURE_WINDOW_SECONDS: '60',
};

export interface ClockedApp extends TestApp {
  /** Moves the rate limiter's clock forward; nothing sleeps. */
  advance: (seconds: number) => void;
}

/** The real app on SQLite with tiny limits and an in-memory store on a test clock. */
export async function startLimitedApp(env: Record<string, string> = {}): Promise<ClockedApp> {
  let now = Date.parse('2030-01-01T00:00:00Z');
  // No webhook worker: its poll (a query every second) would count in the suites that count queries.
  const t = await startApp(
    'sqlite',
    { ...TINY_LIMITS, WEBHOOK_WORKER_ENABLED: 'false', ...env },
    undefined,
    {
      rateLimitStore: createMemoryStore({ now: () => now }),
    },
  );
  return { ...t, advance: (seconds) => (now += seconds * 1000) };
}

/** Parses `"name";r=1;t=2, …` (or the policy field) into { name: { r: 1, t: 2 } }. */
export function fields(value: unknown): Record<string, Record<string, number>> {
  expect(typeof value, 'RateLimit field missing').toBe('string');
  const parsed: Record<string, Record<string, number>> = {};
  for (const item of (value as string).split(/,\s*/)) {
    const [name, ...params] = item.split(';');
    expect(name).toMatch(/^"[a-z_]+"$/);
    parsed[name!.slice(1, -1)] = Object.fromEntries(
      params.map((p) => {
        const [key, number] = p.split('=');
        expect(number).toMatch(/^\d+$/);
        return [key!, Number(number)];
      }),
    );
  }
  return parsed;
}

/** A 429 problem+json with a whole-seconds Retry-After that matches the RateLimit `t` of `policy`. */
export function expectRateLimited(response: LightMyRequestResponse, policy: string): number {
  const problem = expectProblem(response, 429, 'rate_limited');
  expect(problem.detail).toContain(`"${policy}"`);
  const retryAfter = response.headers['retry-after'];
  expect(retryAfter).toMatch(/^[1-9]\d*$/);
  expect(fields(response.headers.ratelimit)[policy]).toEqual({ r: 0, t: Number(retryAfter) });
  return Number(retryAfter);
}
