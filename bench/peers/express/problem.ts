import type { Response } from 'express';

/** An RFC 9457 problem+json response, as the API sends on every error. */
export function problem(response: Response, status: number, code: string, detail: string) {
  response
    .status(status)
    .type('application/problem+json')
    .send(JSON.stringify({ type: `about:blank#${code}`, title: code, status, code, detail }));
}
