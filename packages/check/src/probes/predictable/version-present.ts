import type { Probe } from '../context.js';
import { fail, pass, warn } from '../outcome.js';
import { listed, readPath } from '../support/targets.js';

const VERSIONED_PATH = /\/v\d+(?:\.\d+)?(?:\/|$)/i;
const VERSION_HEADERS = ['api-version', 'x-api-version', 'version', 'x-version'];

export const versionPresent: Probe = {
  id: 'versioning.version-present',
  title: 'Version in the path or a header',
  section: 'predictable',
  kind: 'live',
  writes: false,
  rationale:
    'Without an explicit version, every change is a change to the contract every client depends on; with one, v2 can ship beside v1.',
  fix: 'Put the major version in the path (/v1/…) or require a version header, and document the policy.',
  plan: ['GET <collection>: looks for a /vN path segment, then a version header or media type'],
  async run(ctx) {
    const basePath = ctx.http.base.pathname;
    const paths = ctx.catalog.resources.map((resource) => resource.listPath);
    const versioned = paths.filter((path) => VERSIONED_PATH.test(`${basePath}${path}`));
    if (paths.length > 0 && versioned.length === paths.length) {
      return pass(
        `every collection is under a version segment (${listed(versioned, 3).join(', ')})`,
      );
    }
    if (VERSIONED_PATH.test(basePath)) {
      return pass(`the base URL carries the version (${basePath})`);
    }
    const reply = await ctx.http.send({ path: readPath(ctx).path });
    const header = VERSION_HEADERS.find((name) => reply.header(name) !== undefined);
    const mediaVersion = /(?:vnd\.[\w.-]*\.v\d+|;\s*version=)/i.exec(
      reply.header('content-type') ?? '',
    );
    if (header) return pass(`the response names its version: ${header}: ${reply.header(header)}`);
    if (mediaVersion)
      return pass(`the media type carries the version: ${reply.header('content-type')}`);
    if (versioned.length > 0) {
      const unversioned = paths.filter((path) => !versioned.includes(path));
      return warn(`some collections have no version segment`, listed(unversioned));
    }
    return fail(
      `no version in the path (${paths[0] ?? basePath}) and no version header or media type`,
    );
  },
};
