import formats from 'ajv-formats/dist/formats.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EMAIL_PATTERN, isEmail } from '../../src/platform/validation/email.js';
import { API_VERSIONS } from '../../src/platform/versioning/api-version.js';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';
import { call, expectProblem } from '../support/http.js';

/** The rule every published version enforced: ajv-formats' `full` email format. */
const published = formats.fullFormats.email as RegExp;

const emailish = fc.oneof(
  fc.emailAddress(),
  fc.string({ maxLength: 30 }),
  fc
    .tuple(
      fc.stringMatching(/^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\-"(),:;<>[\\\]@ ]{0,12}$/),
      fc.stringMatching(/^[A-Za-z0-9.\-_[\]: ]{0,16}$/),
    )
    .map(([local, domain]) => `${local}@${domain}`),
);

/**
 * The email rule is stated once (email.ts): validation uses it as the `email` format and the
 * documents publish it as the `pattern`. The proof that publishing the pattern broke no client
 * (openapi/clarifications.json): it accepts exactly what the published versions accepted.
 */
describe('the one email rule', () => {
  it('accepts exactly the strings the published versions accepted', () => {
    fc.assert(
      fc.property(emailish, (value) => {
        expect(isEmail(value), JSON.stringify(value)).toBe(published.test(value));
      }),
      { numRuns: 5_000, seed: 20_261_207 },
    );
    for (const value of ['v@io', 'a@-x.io', 'a..b@x.io', 'a@x..io', 'ADA@EXAMPLE.COM', 'a@b.co'])
      expect(isEmail(value), value).toBe(published.test(value));
  });

  describe('in the API and its documents', () => {
    let t: TestApp;
    let tenant: Tenant;
    beforeAll(async () => {
      t = await startApp();
      tenant = await createTestTenant(t);
    });
    afterAll(() => t.close());

    it.each(API_VERSIONS)(
      '%s documents the pattern beside format: email wherever email is sent',
      async (version) => {
        const document = (await call(t.app, 'GET', `/${version}/openapi.json`)).json<{
          paths: Record<string, Record<string, Record<string, unknown>>>;
        }>();
        const users = document.paths[`/${version}/users`]!;
        const bodyOf = (operation: Record<string, unknown>) =>
          (
            operation as {
              requestBody: {
                content: Record<string, { schema: { properties: Record<string, object> } }>;
              };
            }
          ).requestBody.content['application/json']!.schema.properties.email;
        const query = (
          users.get as { parameters: { name: string; schema: object }[] }
        ).parameters.find((p) => p.name === 'email')!.schema;
        const patch = document.paths[`/${version}/users/{id}`]!.patch!;
        for (const schema of [bodyOf(users.post!), query, bodyOf(patch)]) {
          expect(schema).toMatchObject({ format: 'email', pattern: EMAIL_PATTERN });
          const documented = new RegExp((schema as { pattern: string }).pattern);
          expect(documented.test('v@io')).toBe(false);
          expect(documented.test('ada@example.io')).toBe(true);
        }
      },
    );

    it.each(API_VERSIONS)(
      '%s refuses v@io on create, update and filter, at the pointer',
      async (version) => {
        const refused = (
          response: Awaited<ReturnType<typeof call>>,
          where: string,
          pointer: string,
        ) => {
          const body = expectProblem(response, 400, 'validation_failed');
          expect(body.errors).toEqual([expect.objectContaining({ in: where, pointer })]);
        };
        refused(
          await call(t.app, 'POST', `/${version}/users`, { tenant, body: { email: 'v@io' } }),
          'body',
          '/email',
        );
        const created = await call(t.app, 'POST', `/${version}/users`, {
          tenant,
          body: { email: `${version}.ada@example.io` },
        });
        expect(created.statusCode).toBe(201);
        const id = created.json<{ id: string }>().id;
        refused(
          await call(t.app, 'PATCH', `/${version}/users/${id}`, {
            tenant,
            body: { email: 'v@io' },
          }),
          'body',
          '/email',
        );
        refused(
          await call(t.app, 'GET', `/${version}/users?email=v@io`, { tenant }),
          'query',
          '/email',
        );
      },
    );
  });
});
