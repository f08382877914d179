import { apiCompare } from 'api-smart-diff';
import type { OpenApiDocument, PathItem } from '../../platform/openapi/document-types.js';

/** One difference between a published contract and the current one. */
export interface ContractChange {
  breaking: boolean;
  /** `GET /v1/users/{id}`, or the document part (`components`, `info`) when not in an operation. */
  where: string;
  /** What changed, naming the field: "[Removed] property `email` in Response 200 content …". */
  description: string;
  /** JSON path of the change in the document. */
  path: string;
  /** What the diff did at `path`, and the new value there (for clarifications.ts). */
  action: 'add' | 'remove' | 'replace' | 'rename';
  after?: unknown;
}

interface SmartDiff {
  action: 'add' | 'remove' | 'replace' | 'rename';
  path: (string | number)[];
  description?: string;
  before?: unknown;
  after?: unknown;
  type: 'breaking' | 'non-breaking' | 'annotation' | 'unclassified' | 'deprecated';
}

const typesOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : [];

const inResponse = (path: readonly (string | number)[]) => path.includes('responses');
const inRequestBody = (path: readonly (string | number)[]) => path.includes('requestBody');

function at(document: unknown, path: readonly (string | number)[]): unknown {
  let node = document;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/** Document parts that describe the API without constraining a request or a response. */
const DOCUMENT_ANNOTATIONS = new Set(['info', 'tags', 'externalDocs']);
const OPERATION_ANNOTATIONS = new Set(['tags', 'summary', 'description', 'externalDocs']);

/**
 * Prose and grouping (the tool compares the `tags` array by position and cannot classify an
 * inserted tag) never break a client.
 */
function isDocumentation(path: readonly (string | number)[]): boolean {
  if (DOCUMENT_ANNOTATIONS.has(String(path[0]))) return true;
  // Links between operations only tell a client which value feeds which call next; the tool
  // itself calls them annotations but leaves them unclassified.
  const links = path.indexOf('links');
  if (links > 0 && path[links - 2] === 'responses') return true;
  return path[0] === 'paths' && OPERATION_ANNOTATIONS.has(String(path[3]));
}

/** Keywords that narrow a schema when added (and widen it when removed). */
const UPPER_BOUNDS = new Set(['maxLength', 'maximum', 'exclusiveMaximum', 'maxItems']);
const LOWER_BOUNDS = new Set(['minLength', 'minimum', 'exclusiveMinimum', 'minItems']);
const CONSTRAINTS = new Set([
  ...UPPER_BOUNDS,
  ...LOWER_BOUNDS,
  'pattern',
  'format',
  'enum',
  'const',
]);

/**
 * A constraint on a response header's schema, classified by direction (the tool treats response
 * headers like request parameters): what the server sends may narrow, never widen. Undefined
 * when the change is something else.
 */
function responseHeaderConstraint(diff: SmartDiff): boolean | undefined {
  const headers = diff.path.indexOf('headers');
  // components.headers holds response headers only: request headers are parameters.
  const shared = diff.path[0] === 'components' && headers === 1;
  if (headers === -1 || !(shared || inResponse(diff.path.slice(0, headers)))) return undefined;
  const keyword = String(diff.path.at(-1));
  if (diff.path.at(-2) !== 'schema' || !CONSTRAINTS.has(keyword)) return undefined;
  if (diff.action === 'add') return false;
  if (diff.action === 'remove') return true;
  if (UPPER_BOUNDS.has(keyword)) return Number(diff.after) > Number(diff.before);
  if (LOWER_BOUNDS.has(keyword)) return Number(diff.after) < Number(diff.before);
  return true;
}

/**
 * api-smart-diff's classification, corrected where it lets a breaking change through (each case
 * has a test in test/contract/breaking-changes.test.ts):
 * - a response field whose type changes to one the old contract did not allow (e.g. integer →
 *   string) breaks every client that parses it; the tool calls any `type` change in a response
 *   non-breaking;
 * - a request field removed from a body that rejects unknown fields (additionalProperties:
 *   false, as all of ours do) turns every request that still sends it into a 400;
 * - a response header's schema may narrow (the tool treats any new constraint on a header as
 *   breaking, as it would be for a request header);
 * - response `links` are documentation, like prose;
 * - a change the tool cannot classify is treated as breaking: the gate fails closed.
 */
function isBreaking(diff: SmartDiff, after: unknown): boolean {
  if (isDocumentation(diff.path)) return false;
  const header = responseHeaderConstraint(diff);
  if (header !== undefined) return header;
  if (diff.type === 'breaking' || diff.type === 'unclassified') return true;
  const last = diff.path.at(-1);
  if (last === 'type' && diff.action === 'replace' && inResponse(diff.path)) {
    const allowed = new Set(typesOf(diff.before));
    return typesOf(diff.after).some((type) => !allowed.has(type));
  }
  if (diff.action === 'remove' && inRequestBody(diff.path) && diff.path.at(-2) === 'properties') {
    const parent = at(after, diff.path.slice(0, -2)) as { additionalProperties?: unknown };
    return parent?.additionalProperties === false;
  }
  return false;
}

function whereOf(path: readonly (string | number)[]): string {
  if (path[0] === 'paths' && path.length >= 3)
    return `${String(path[2]).toUpperCase()} ${String(path[1])}`;
  if (path[0] === 'paths' && path.length === 2) return String(path[1]);
  return String(path[0] ?? 'document');
}

/** Where a webhook's request is put to be compared as a response: `/webhooks/{name}`. */
const WEBHOOK_PREFIX = '/webhooks/';
const WEBHOOK_STATUS = '200';

/**
 * The `webhooks` of a document turned around, as responses. The tool leaves `webhooks`
 * unclassified, and its request rules would be the wrong way round: what we POST to a receiver is
 * what it parses, so its body and headers follow the rules of a response (a field or a webhook
 * may be added; one removed, or a value widened, breaks receivers).
 */
function webhooksAsResponses(document: OpenApiDocument): OpenApiDocument {
  const paths: Record<string, PathItem> = {};
  const webhooks = (document.webhooks ?? {}) as Record<string, PathItem>;
  for (const [name, item] of Object.entries(webhooks)) {
    const operations: PathItem = {};
    for (const [method, operation] of Object.entries(item)) {
      const body = operation.requestBody as { content?: Record<string, object> } | undefined;
      const headers = (operation.parameters ?? []).filter((p) => p.in === 'header');
      operations[method] = {
        operationId: operation.operationId,
        responses: {
          [WEBHOOK_STATUS]: {
            description: '',
            ...(body?.content ? { content: body.content } : {}),
            headers: Object.fromEntries(
              headers.map((h) => [h.name, { required: h.required, schema: h.schema }]),
            ),
          },
        },
      };
    }
    paths[`${WEBHOOK_PREFIX}${name}`] = operations;
  }
  return { openapi: document.openapi, info: document.info, paths };
}

/** A diff of the turned-around webhooks, told in the document's terms (`webhooks.{name}.post…`). */
function webhookPath(path: (string | number)[]): (string | number)[] {
  const [, pseudo, method, , , ...rest] = path;
  const name = String(pseudo).slice(WEBHOOK_PREFIX.length);
  if (path.length <= 3) return ['webhooks', name, ...(method === undefined ? [] : [method])];
  const headers = rest[0] === 'headers';
  return ['webhooks', name, method!, ...(headers ? ['parameters'] : ['requestBody']), ...rest];
}

function toChanges(diffs: SmartDiff[], after: unknown, webhooks: boolean): ContractChange[] {
  return diffs.map((diff) => {
    const path = webhooks ? webhookPath(diff.path) : diff.path;
    return {
      breaking: isBreaking(diff, after),
      where: webhooks ? `webhook ${String(path[1])}` : whereOf(path),
      description: diff.description ?? `${diff.action} ${path.join('.')}`,
      path: path.join('.'),
      action: diff.action,
      after: diff.after,
    };
  });
}

/** Every difference from `published` to `current`, breaking ones first. */
export function compareContracts(
  published: OpenApiDocument,
  current: OpenApiDocument,
): ContractChange[] {
  // The tool resolves references in place: it gets copies, so callers keep their documents,
  // and the rules below look fields up in the resolved copy, where diff paths lead.
  const before = structuredClone(published);
  const after = structuredClone(current);
  // Compared apart, turned around (below).
  delete before.webhooks;
  delete after.webhooks;
  const { diffs } = apiCompare(before, after) as { diffs: SmartDiff[] };
  const hooksAfter = structuredClone(webhooksAsResponses(current));
  const hooksBefore = structuredClone(webhooksAsResponses(published));
  const { diffs: hookDiffs } = apiCompare(hooksBefore, hooksAfter) as {
    diffs: SmartDiff[];
  };
  return [...toChanges(diffs, after, false), ...toChanges(hookDiffs, hooksAfter, true)].sort(
    (a, b) => Number(b.breaking) - Number(a.breaking),
  );
}

/** `BREAKING GET /v1/users/{id}: [Removed] property `email` … (at paths./v1/…)` */
export function formatChange(change: ContractChange): string {
  return `${change.breaking ? 'BREAKING' : 'additive'} ${change.where}: ${change.description} (at ${change.path})`;
}
