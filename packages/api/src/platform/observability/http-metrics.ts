import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { problemCodeOf } from '../errors/problem.js';
import { methodLabel, type Metrics } from './metrics.js';

/**
 * RED metrics per route pattern (never the raw path), active requests, and error responses by
 * problem code, named and labelled per the OpenTelemetry HTTP semantic conventions: no route
 * label when nothing matched, `error_type` (the status code) only on 5xx. A request aborted by
 * its client leaves the active gauge exactly once.
 */
async function httpMetricsPlugin(app: FastifyInstance, options: { metrics: Metrics }) {
  const { metrics } = options;
  type BaseLabels = Readonly<{ http_request_method: string; url_scheme: string }>;
  // One frozen label object per method and scheme, not two allocations per request. The scheme
  // is `http` or `https` only: behind TRUST_PROXY, request.protocol comes from a client-settable
  // X-Forwarded-Proto and would make the label set unbounded.
  const baseLabels = new Map<string, BaseLabels>();
  const labelsOf = (request: FastifyRequest): BaseLabels => {
    const method = methodLabel(request.method);
    const scheme = request.protocol === 'https' ? 'https' : 'http';
    const key = `${method} ${scheme}`;
    let labels = baseLabels.get(key);
    if (labels === undefined) {
      labels = Object.freeze({ http_request_method: method, url_scheme: scheme });
      baseLabels.set(key, labels);
    }
    return labels;
  };
  const open = new WeakMap<FastifyRequest, BaseLabels>();
  const leave = (request: FastifyRequest) => {
    const labels = open.get(request);
    if (labels === undefined) return;
    open.delete(request);
    metrics.activeRequests.dec(labels);
  };

  // Callback hooks: every request walks them, and a promise each is measurable (issue 19).
  app.addHook('onRequest', (request, _reply, done) => {
    const labels = labelsOf(request);
    open.set(request, labels);
    metrics.activeRequests.inc(labels);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    const labels = open.get(request) ?? labelsOf(request);
    leave(request);
    const status = reply.statusCode;
    const route = request.routeOptions.url;
    metrics.requestDuration.observe(
      {
        ...labels,
        http_response_status_code: String(status),
        ...(route === undefined ? {} : { http_route: route }),
        ...(status >= 500 ? { error_type: String(status) } : {}),
      },
      reply.elapsedTime / 1000,
    );
    const code = problemCodeOf(reply);
    if (code !== undefined) metrics.problems.inc({ code, status: String(status) });
    done();
  });
  app.addHook('onRequestAbort', (request, done) => {
    leave(request);
    done();
  });
}

export const httpMetrics = fp(httpMetricsPlugin, { name: 'steadfast-http-metrics' });
