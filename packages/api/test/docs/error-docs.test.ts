import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_DOCS_PATH, renderErrorDocs } from '../../src/cli/error-docs.js';
import { problemCatalogue } from '../../src/platform/errors/catalogue.js';

describe('docs/errors.md', () => {
  it('is up to date with the error catalogue', () => {
    const onDisk = readFileSync(ERROR_DOCS_PATH, 'utf8');
    expect(onDisk, 'docs/errors.md is stale: run npm run docs:errors').toBe(renderErrorDocs());
  });

  it('has a section and a contents entry for every catalogue code', () => {
    const rendered = renderErrorDocs();
    const headings = rendered.split('\n').filter((line) => line.startsWith('## '));
    for (const [code, definition] of Object.entries(problemCatalogue)) {
      expect(headings, `no "## ${code}" section`).toContain(`## ${code}`);
      expect(rendered).toContain(`- [${code}](#${code}): ${definition.status} `);
      const section = rendered.slice(rendered.indexOf(`\n## ${code}\n`));
      expect(section).toContain(`- Status: ${definition.status}`);
      expect(section).toContain(definition.description);
      expect(section).toContain(definition.resolution);
    }
  });
});
