import type { Probe } from '../context.js';
import { fail, pass, warn } from '../outcome.js';
import { listed } from '../support/targets.js';

export const openapiPublished: Probe = {
  id: 'docs.openapi',
  title: 'OpenAPI document published',
  section: 'documented',
  kind: 'live',
  writes: false,
  rationale:
    'A machine-readable OpenAPI 3 document is what client generators, gateways, contract tests and this tool’s static probes read.',
  fix: 'Generate OpenAPI 3.1 from the same schemas that validate requests and serve it (e.g. /openapi.json or /v1/openapi.json).',
  plan: [
    'the documents given with --openapi, else: Link rel="service-desc" and description links of the base URL\'s answer, /.well-known/api-catalog, then /v1…/v3/openapi.json, openapi.json, openapi.yaml, swagger.json, v3/api-docs, api-docs, docs/openapi.json, docs/json under the base path, the version prefix and the root (at most 24 requests)',
  ],
  async run(ctx) {
    const { discovery } = ctx;
    const details = listed(
      discovery.attempts.map((a) => `${a.location}: ${a.result}`),
      30,
    );
    const native = discovery.documents.filter((d) => !d.convertedFrom);
    if (discovery.documents.length > 0 && native.length === 0) {
      return warn(
        `only Swagger 2.0 (${discovery.swagger2.join(', ')}), read after conversion to OpenAPI 3.0: publish OpenAPI 3`,
        details,
      );
    }
    if (discovery.documents.length > 0) {
      const sources = discovery.documents.map((d) => `${d.source} (OpenAPI ${d.openapi})`);
      return pass(`${sources.join(', ')}`, details);
    }
    if (discovery.explicit)
      return fail('the document given with --openapi could not be used', details);
    return fail('no OpenAPI document was found at the usual locations', details);
  },
};
