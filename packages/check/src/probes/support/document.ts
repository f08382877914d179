import type { ProbeContext } from '../context.js';
import { na, type Outcome } from '../outcome.js';

/** The n/a every static probe answers when there is no document to read. */
export function withoutDocument(ctx: ProbeContext): Outcome | undefined {
  if (ctx.catalog.documents.length > 0) return undefined;
  return na('no OpenAPI 3 document: static probes read one (see docs.openapi)');
}
