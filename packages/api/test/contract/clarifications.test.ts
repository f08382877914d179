import { describe, expect, it } from 'vitest';
import { compareContracts } from '../../src/cli/contract/breaking-changes.js';
import { isClarified, readClarifications } from '../../src/cli/contract/clarifications.js';
import type { OpenApiDocument } from '../../src/platform/openapi/document-types.js';
import { EMAIL_PATTERN } from '../../src/platform/validation/email.js';

/** A one-operation document whose request body has an `email` string with `extra` keywords. */
function documentWith(extra: Record<string, unknown>): OpenApiDocument {
  return {
    openapi: '3.1.0',
    info: { title: 't', version: '1' },
    paths: {
      '/v1/users': {
        post: {
          requestBody: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  properties: { email: { type: 'string', format: 'email', ...extra } },
                },
              },
            },
          },
          responses: { '201': { description: 'ok' } },
        },
      },
    },
  };
}

const PATH =
  'paths./v1/users.post.requestBody.content.application/json.schema.properties.email.pattern';

describe('clarifications: breaking-by-diff changes the gate lets through', () => {
  const clarifications = [
    { version: 'v1' as const, path: PATH, after: EMAIL_PATTERN, reason: 'test', proof: 'test' },
  ];
  const patternAdded = (pattern: string) =>
    compareContracts(documentWith({}), documentWith({ pattern })).filter((c) => c.breaking);

  it('lets exactly the listed change through: that version, that path, that value', () => {
    const [change] = patternAdded(EMAIL_PATTERN);
    expect(change).toMatchObject({ path: PATH, action: 'add' });
    expect(isClarified('v1', change!, clarifications)).toBe(true);
    expect(isClarified('v2', change!, clarifications)).toBe(false);
  });

  it('fails closed: another pattern at the same path is still breaking', () => {
    const [change] = patternAdded('^[a-z]+@[a-z]+\\.com$');
    expect(change?.breaking).toBe(true);
    expect(isClarified('v1', change!, clarifications)).toBe(false);
  });

  it('every committed clarification names a version, a path, its value, a reason and a proof', () => {
    for (const entry of readClarifications()) {
      expect(entry).toMatchObject({
        version: expect.stringMatching(/^v\d+$/),
        path: expect.stringMatching(/^paths\./),
        reason: expect.stringMatching(/^.{40,}$/),
        proof: expect.stringMatching(/\.test\.ts$/),
      });
      expect(entry.after).toBe(EMAIL_PATTERN);
    }
  });
});
