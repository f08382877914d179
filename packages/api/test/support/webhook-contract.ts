import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { contractPath } from '../../src/cli/contract/documents.js';
import type { OpenApiDocument } from '../../src/platform/openapi/document-types.js';

interface WebhookOperation {
  requestBody: { content: { 'application/json': { schema: object; example: unknown } } };
}

/**
 * Checks event bodies against the `webhooks` section of a document (the committed contract by
 * default): `check(body)` lists what does not match the schema of the body's `type`, empty when
 * it matches, and names a type the section does not describe.
 */
export function webhookContract(
  document: OpenApiDocument = JSON.parse(
    readFileSync(contractPath('v1'), 'utf8'),
  ) as OpenApiDocument,
) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const webhooks = (document.webhooks ?? {}) as Record<string, { post: WebhookOperation }>;
  const compiled = new Map<string, ValidateFunction>();
  return {
    webhooks,
    check(body: unknown): string[] {
      const type = (body as { type?: unknown }).type;
      const operation = typeof type === 'string' ? webhooks[type]?.post : undefined;
      if (!operation) return [`no webhook is documented for type ${String(type)}`];
      let validate = compiled.get(type as string);
      if (!validate) {
        validate = ajv.compile(operation.requestBody.content['application/json'].schema);
        compiled.set(type as string, validate);
      }
      return validate(body)
        ? []
        : (validate.errors ?? []).map((e) => `${type as string}${e.instancePath} ${e.message}`);
    },
  };
}
