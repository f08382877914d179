import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Middleware } from 'openapi-fetch';
import { contractPath } from '../../src/cli/contract/documents.js';
import type { OpenApiDocument } from '../../src/platform/openapi/document-types.js';
import type { ApiVersion } from '../../src/platform/versioning/api-version.js';

/** One response checked against the published contract. */
export interface Checked {
  operation: string;
  status: number;
  /** What did not match; empty when the response is what the contract says. */
  problems: string[];
}

const pointerToken = (token: string) => token.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * Checks live responses against the committed OpenAPI document (openapi/v{n}.json): the status
 * is one the operation documents, the body matches that response's schema (JSON Schema 2020-12,
 * as OpenAPI 3.1 says), and every header the contract marks required is present. Plugged into
 * openapi-fetch as middleware, so every call the typed client makes is checked.
 */
export function contractValidator(version: ApiVersion) {
  const document = JSON.parse(readFileSync(contractPath(version), 'utf8')) as OpenApiDocument;
  // The document is not itself a schema: added as one so `$ref`s into it resolve, unvalidated.
  const ajv = new Ajv2020({ strict: false, validateSchema: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema(document, 'contract');
  const compiled = new Map<string, ValidateFunction>();
  const validatorAt = (pointer: string) => {
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `contract#${pointer}` });
      compiled.set(pointer, validate);
    }
    return validate;
  };
  const checked: Checked[] = [];

  async function check(method: string, path: string, response: Response): Promise<Checked> {
    const operation = `${method} ${path}`;
    const problems: string[] = [];
    const documented = document.paths[path]?.[method.toLowerCase()];
    const entry = documented?.responses[String(response.status)];
    if (!documented || !entry) {
      problems.push(`status ${response.status} is not documented`);
      return { operation, status: response.status, problems };
    }
    for (const [name, header] of Object.entries(entry.headers ?? {})) {
      const resolved = header.$ref
        ? document.components?.headers?.[header.$ref.split('/').at(-1)!]
        : header;
      if ((resolved as { required?: boolean } | undefined)?.required && !response.headers.has(name))
        problems.push(`required header ${name} is missing`);
    }
    const mediaType = (response.headers.get('content-type') ?? '').split(';')[0]!;
    const text = await response.text();
    if (entry.content === undefined) {
      if (text !== '') problems.push('a body was sent where the contract documents none');
    } else if (entry.content[mediaType] === undefined) {
      problems.push(`content type ${mediaType || '(none)'} is not documented`);
    } else {
      const pointer = [
        'paths',
        pointerToken(path),
        method.toLowerCase(),
        'responses',
        String(response.status),
        'content',
        pointerToken(mediaType),
        'schema',
      ].join('/');
      const validate = validatorAt(`/${pointer}`);
      if (!validate(JSON.parse(text)))
        problems.push(...(validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`));
    }
    return { operation, status: response.status, problems };
  }

  const middleware: Middleware = {
    async onResponse({ request, response, schemaPath }) {
      checked.push(await check(request.method, schemaPath, response.clone()));
      return undefined;
    },
  };
  return { middleware, checked, check };
}
