import type { ServerOptions as HttpServerOptions } from 'node:http';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import type { SecurityConfig } from '../../config/index.js';

/**
 * The part of Fastify's options that picks the listener. Fastify creates an HTTPS server when
 * `https` is an object and a plain HTTP server (from `http`) when it is null, so both keys are
 * always present and only their values depend on the configuration.
 */
export interface TransportOptions {
  https: HttpsServerOptions | null;
  http: HttpServerOptions;
}

/**
 * TLS directly when a certificate is configured; otherwise plain HTTP, with TLS ended by the load
 * balancer (whose X-Forwarded-Proto is trusted only from TRUST_PROXY).
 *
 * `maxHeaderSize` is per server: Node answers a request whose headers exceed it with 431 before
 * Fastify sees it (platform/security/client-errors.ts makes that a problem+json).
 */
export function transportOptions(config: Pick<SecurityConfig, 'tls' | 'limits'>): TransportOptions {
  const maxHeaderSize = config.limits.maxHeaderBytes;
  return {
    https: config.tls
      ? {
          cert: config.tls.cert,
          key: config.tls.key,
          maxHeaderSize,
          // TLS 1.2 is the floor; Node's defaults already exclude SSLv3/TLS 1.0/1.1 ciphers.
          minVersion: 'TLSv1.2',
        }
      : null,
    http: { maxHeaderSize },
  };
}
