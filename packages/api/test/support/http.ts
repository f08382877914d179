import type { LightMyRequestResponse } from 'fastify';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Tenant } from './app.js';

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT' | 'HEAD';

/** JSON request through Fastify inject, authenticated as `tenant` when given. */
export async function call(
  app: FastifyInstance,
  method: Method,
  url: string,
  options: { tenant?: Tenant; body?: unknown; headers?: Record<string, string> } = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = {
    ...(options.tenant?.headers ?? {}),
    ...(options.headers ?? {}),
  };
  if (options.body !== undefined) headers['content-type'] ??= 'application/json';
  return app.inject({
    method,
    url,
    headers,
    ...(options.body !== undefined
      ? { payload: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }
      : {}),
  });
}

/** Asserts the one error shape: RFC 9457 problem+json with code and request id, nothing internal. */
export function expectProblem(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = response.json<Record<string, unknown>>();
  expect(body).toMatchObject({
    status,
    code,
    title: expect.any(String),
    detail: expect.any(String),
  });
  expect(body.type).toMatch(new RegExp(`/problems/${code}$`));
  expect(body.instance).toMatch(/^\//);
  expect(body.request_id).toBe(response.headers['x-request-id']);
  expect(response.body).not.toMatch(
    /at .*\.(ts|js):\d+|SQLITE|sqlite|postgres|kysely|fastify|stack/i,
  );
  return body;
}
