import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import fp from 'fastify-plugin';

/** One year, subdomains included: the value helmet sent before, now only where it counts. */
const HSTS = 'max-age=31536000; includeSubDomains';

/**
 * What helmet's middleware sets, captured once at start: with these options every header is the
 * same on every response, and handing them to Fastify as one object lets Node write them with
 * the rest instead of validating each in its own setHeader call on the raw response (helmet's
 * way: 2–3 µs of a cached GET in `npm run bench:profile -- get_order`).
 */
function capturedHeaders(
  middleware: (req: IncomingMessage, res: ServerResponse, next: () => void) => void,
): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  middleware({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return Object.freeze(headers);
}

/**
 * Response headers suited to a JSON API: nothing may be framed, sniffed or loaded from the
 * response, and responses with credentials are never cached by shared caches. The /docs page sets
 * its own, wider CSP (see platform/openapi).
 *
 * HSTS is sent only on HTTPS (RFC 6797 §7.2: a UA ignores it over plain HTTP, and sending it there
 * suggests a guarantee the connection does not have). `request.protocol` is https on a TLS
 * listener, or when a proxy listed in TRUST_PROXY says `X-Forwarded-Proto: https`; anyone else's
 * X-Forwarded-Proto is ignored.
 */
async function securityHeadersPlugin(app: FastifyInstance) {
  // Built once: @fastify/helmet rebuilt this middleware (parsing the CSP) on every request, about
  // 8% of the CPU of a cached GET in the issue-6 benchmark. The headers are the same.
  const applyHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    hsts: false,
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
  const headers = capturedHeaders(applyHeaders);
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  app.addHook('onSend', (request, reply, _payload, done) => {
    if (request.protocol === 'https') reply.header('strict-transport-security', HSTS);
    if (!reply.hasHeader('cache-control')) {
      reply.header(
        'cache-control',
        request.headers.authorization ? 'private, no-cache' : 'no-store',
      );
    }
    done();
  });
}

export const securityHeaders = fp(securityHeadersPlugin, { name: 'steadfast-security-headers' });
