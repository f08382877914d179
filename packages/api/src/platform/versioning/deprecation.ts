import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onSendAsyncHookHandler,
} from 'fastify';
import { successorOf, versionOfPath, type ApiVersion } from './api-version.js';
import { pathnameOf } from '../urls/request-path.js';

/** When a version was deprecated and when it stops answering. */
export interface RetirementSchedule {
  deprecatedAt: Date;
  sunsetAt: Date;
}

export interface DeprecationOptions {
  publicBaseUrl: string;
  /** The versions being retired, with their dates (V1_DEPRECATED_AT, V1_SUNSET_AT). */
  schedule: Partial<Record<ApiVersion, RetirementSchedule>>;
}

/** `Deprecation: @1795564800`: an RFC 9651 Date structured field, seconds since the epoch (RFC 9745 §2.1). */
export const deprecationField = (at: Date) => `@${Math.floor(at.getTime() / 1000)}`;

/** `Sunset: Tue, 30 Nov 2027 00:00:00 GMT`: an HTTP-date (RFC 8594 §3). */
export const sunsetField = (at: Date) => at.toUTCString();

/** The reference page of a version: where the deprecation and the migration are described. */
export const versionDocsUrl = (publicBaseUrl: string, version: ApiVersion) =>
  `${publicBaseUrl}/docs/?urls.primaryName=${version}`;

/**
 * Every response of a deprecated version's routes says so: `Deprecation` (RFC 9745), `Sunset`
 * (RFC 8594), `Link: <…/v2/same/path>; rel="successor-version"` (RFC 5829) and a
 * `rel="deprecation"` link to the reference page. Added as a route-level onSend hook, so it runs
 * after the context hooks: the idempotency record (which replays `Link`) never stores these, and
 * a pagination `Link: rel="next"` set by the handler is kept.
 * Register before the routes: it acts through onRoute.
 */
export function announceDeprecations(app: FastifyInstance, options: DeprecationOptions): void {
  const stamps = new Map<ApiVersion, Stamp>();
  for (const [version, schedule] of Object.entries(options.schedule) as [
    ApiVersion,
    RetirementSchedule,
  ][])
    stamps.set(version, stamp(version, schedule, options.publicBaseUrl));
  const stampOf = (path: string) => {
    const version = versionOfPath(path);
    return version === undefined ? undefined : stamps.get(version);
  };

  app.addHook('onRoute', (route) => {
    const apply = stampOf(route.url);
    if (!apply) return;
    const announce: onSendAsyncHookHandler = async (request, reply, payload) => {
      apply(request, reply);
      return payload;
    };
    route.onSend = [...[route.onSend ?? []].flat(), announce];
  });
  // A path of a deprecated version that matches no route (404, 405) is announced too.
  app.addHook('onSend', (request, reply, _payload, done) => {
    if (request.routeOptions.url === undefined) stampOf(request.url)?.(request, reply);
    done();
  });
}

type Stamp = (request: FastifyRequest, reply: FastifyReply) => void;

function stamp(version: ApiVersion, schedule: RetirementSchedule, publicBaseUrl: string): Stamp {
  const successor = successorOf(version);
  const deprecation = deprecationField(schedule.deprecatedAt);
  const sunset = sunsetField(schedule.sunsetAt);
  const docs = `<${versionDocsUrl(publicBaseUrl, version)}>; rel="deprecation"; type="text/html"`;
  return (request, reply) => {
    reply.header('deprecation', deprecation);
    reply.header('sunset', sunset);
    const links: string[] = [];
    const existing = reply.getHeader('link');
    if (existing !== undefined) links.push(...[existing].flat().map(String));
    if (successor !== undefined) {
      // A WHATWG pathname: `<`, `>`, `"` and spaces in a client's path come out percent-encoded
      // (pathnameOf returns a target as it is only when it holds none of them), so they cannot
      // break out of the link-value into links of the client's choosing.
      const path = pathnameOf(request.url).replace(`/${version}`, `/${successor}`);
      links.push(`<${publicBaseUrl}${path}>; rel="successor-version"`);
    }
    links.push(docs);
    reply.header('link', links.join(', '));
  };
}
