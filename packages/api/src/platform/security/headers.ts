import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Response headers suited to a JSON API: nothing may be framed, sniffed or loaded from the
 * response, and responses with credentials are never cached by shared caches. The /docs page sets
 * its own, wider CSP (see platform/openapi).
 */
async function securityHeadersPlugin(app: FastifyInstance) {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"], baseUri: ["'none'"] },
    },
    crossOriginEmbedderPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
  });
  app.addHook('onSend', async (request, reply, payload) => {
    if (!reply.hasHeader('cache-control')) {
      reply.header(
        'cache-control',
        request.headers.authorization ? 'private, no-cache' : 'no-store',
      );
    }
    return payload;
  });
}

export const securityHeaders = fp(securityHeadersPlugin, { name: 'steadfast-security-headers' });
