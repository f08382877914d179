import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { problemCatalogue, type ProblemDefinition } from '../platform/errors/catalogue.js';

/** Where the rendered catalogue lives: docs/errors.md at the repository root. */
export const ERROR_DOCS_PATH = fileURLToPath(
  new URL('../../../../docs/errors.md', import.meta.url),
);

const codes = Object.keys(problemCatalogue) as (keyof typeof problemCatalogue)[];

function section(code: string, definition: ProblemDefinition): string {
  return [
    `## ${code}`,
    '',
    `- Status: ${definition.status}`,
    `- Title: ${definition.title}`,
    '',
    '### What it means',
    '',
    definition.description,
    '',
    '### What to do',
    '',
    definition.resolution,
    '',
  ].join('\n');
}

/**
 * docs/errors.md, rendered from the error catalogue (src/platform/errors/catalogue.ts). Pure: the
 * same catalogue always gives the same text, so a test can compare it with the file on disk.
 */
export function renderErrorDocs(): string {
  const header = [
    '<!-- Generated from packages/api/src/platform/errors/catalogue.ts by `npm run docs:errors`. Do not edit by hand. -->',
    '',
    '# Steadfast API errors',
    '',
    'Every error response is `application/problem+json` (RFC 9457) with a stable `code`. Its `type` URI is `<PUBLIC_BASE_URL>/problems/<code>`, and the API serves that URI as an HTML page describing the error (the whole catalogue is listed at `<PUBLIC_BASE_URL>/problems/`). This file holds the same entries.',
    '',
    '## Contents',
    '',
    ...codes.map(
      (code) =>
        `- [${code}](#${code}): ${problemCatalogue[code].status} ${problemCatalogue[code].title}`,
    ),
    '',
  ].join('\n');
  return [header, ...codes.map((code) => section(code, problemCatalogue[code]))].join('\n');
}

/** Writes docs/errors.md; `npm run docs:errors`. */
export function writeErrorDocs(path: string = ERROR_DOCS_PATH): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, renderErrorDocs());
}

const invokedDirectly =
  process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  writeErrorDocs();
  process.stdout.write(`Wrote ${ERROR_DOCS_PATH}\n`);
}
