import type { FastifyInstance } from 'fastify';

/** A probe's answer, ready to write on another listener. */
export interface ProbeAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

const PROBE_PATHS = new Set(['/livez', '/readyz']);
/** Hop-by-hop or recomputed by the listener that writes the answer. */
const DROPPED = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * `/livez` and `/readyz` for the metrics listener (issue 20 §2): the same answers as on the API
 * port, computed by the same routes through Fastify's in-process injection, but reached through
 * a listener whose accept queue a flood of API clients cannot fill. Measured in bench/overload:
 * under a 2,000-connection burst, probes on the API port waited seconds in the kernel's queues
 * while the metrics listener answered in milliseconds. Returns undefined for any other path.
 */
export function probesOnOpsListener(
  app: FastifyInstance,
): (method: string, path: string) => Promise<ProbeAnswer> | undefined {
  return (method, path) => {
    if (!PROBE_PATHS.has(path) || (method !== 'GET' && method !== 'HEAD')) return undefined;
    return app.inject({ method: 'GET', url: path }).then((response) => {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(response.headers)) {
        if (value !== undefined && !DROPPED.has(name)) headers[name] = String(value);
      }
      return { statusCode: response.statusCode, headers, body: response.body };
    });
  };
}
