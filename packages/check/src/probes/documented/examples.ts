import type { Operation } from '../../openapi/document.js';
import { derefObject, isObject, type JsonObject } from '../../openapi/json.js';
import type { Probe } from '../context.js';
import { fail, pass } from '../outcome.js';
import { listed } from '../support/targets.js';
import { withoutDocument } from '../support/document.js';

function mediaHasExample(operation: Operation, media: JsonObject): boolean {
  if (media.example !== undefined) return true;
  if (isObject(media.examples) && Object.keys(media.examples).length > 0) return true;
  const schema = derefObject(operation.document.raw, media.schema);
  return (
    schema?.example !== undefined || (Array.isArray(schema?.examples) && schema.examples.length > 0)
  );
}

/** "request body", "200 response" … of an operation that lack an example. */
export function missingExamples(operation: Operation): string[] {
  const missing: string[] = [];
  const check = (holder: JsonObject | undefined, what: string) => {
    if (!holder || !isObject(holder.content)) return;
    for (const [type, media] of Object.entries(holder.content)) {
      if (isObject(media) && !mediaHasExample(operation, media)) missing.push(`${what} (${type})`);
    }
  };
  check(operation.requestBody, 'request body');
  for (const [status, response] of Object.entries(operation.responses))
    check(response, `${status} response`);
  return missing;
}

export const examples: Probe = {
  id: 'spec.examples',
  title: 'Every operation has examples',
  section: 'documented',
  kind: 'static',
  writes: false,
  rationale:
    'Examples are what people copy first and what mock servers and contract tests replay; a schema alone does not show what real data looks like.',
  fix: 'Give every request body and every response (errors included) an `example` or `examples`, ideally generated from the same source as the schema.',
  plan: ['reads the OpenAPI document'],
  async run(ctx) {
    const none = withoutDocument(ctx);
    if (none) return none;
    // The same operation in two documents (e.g. /livez in v1 and v2) is one gap, not two.
    const gaps = [
      ...new Set(
        ctx.catalog.operations.flatMap((op) =>
          missingExamples(op).map((what) => `${op.key}: ${what}`),
        ),
      ),
    ];
    const total = ctx.catalog.operations.length;
    if (gaps.length === 0)
      return pass(`all ${total} operations have request and response examples`);
    return fail(`${gaps.length} request/response bodies without an example`, listed(gaps));
  },
};
