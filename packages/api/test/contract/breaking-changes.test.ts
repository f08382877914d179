/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call --
   each test edits an arbitrary spot of a JSON document, as a careless commit would. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  compareContracts,
  formatChange,
  type ContractChange,
} from '../../src/cli/contract/breaking-changes.js';
import { contractPath } from '../../src/cli/contract/documents.js';
import type {
  OpenApiDocument,
  OperationObject,
} from '../../src/platform/openapi/document-types.js';

/**
 * The rule set of the contract gate, one rule per test, on the real published v1 contract: each
 * test makes one change a careless commit could make and checks how the gate classifies it.
 */
const published = JSON.parse(readFileSync(contractPath('v1'), 'utf8')) as OpenApiDocument;

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

function changed(mutate: (document: Json) => void): ContractChange[] {
  const current = structuredClone(published) as Json;
  mutate(current);
  return compareContracts(published, current as OpenApiDocument);
}
const breaking = (changes: ContractChange[]) => changes.filter((c) => c.breaking).map(formatChange);
const additive = (changes: ContractChange[]) => changes.filter((c) => !c.breaking);

const op = (document: Json, path: string, method: string) =>
  document.paths[path][method] as OperationObject & Json;
const jsonSchema = (operation: Json, status: string) =>
  operation.responses[status].content['application/json'].schema as Json;
const bodySchema = (operation: Json) =>
  operation.requestBody.content['application/json'].schema as Json;

describe('contract gate rules', () => {
  it('an unchanged contract has no change at all', () => {
    expect(changed(() => undefined)).toEqual([]);
  });

  it('a removed response field is breaking, and the message names the operation and field', () => {
    const found = breaking(
      changed((d) => {
        delete jsonSchema(op(d, '/v1/users/{id}', 'get'), '200').properties.email;
      }),
    );
    expect(found.join('\n')).toMatch(/BREAKING GET \/v1\/users\/\{id\}: .*`email`/);
  });

  it('a removed operation is breaking', () => {
    const found = breaking(changed((d) => delete d.paths['/v1/refunds/{id}']));
    expect(found).toEqual([expect.stringMatching(/GET \/v1\/refunds\/\{id\}.*Removed.*operation/)]);
  });

  it('a new required request field is breaking', () => {
    const found = breaking(
      changed((d) => {
        bodySchema(op(d, '/v1/users', 'post')).required.push('name');
      }),
    );
    expect(found.join('\n')).toMatch(/POST \/v1\/users: .*required.*`name`/);
  });

  it('a narrowed request type is breaking, a widened one is not', () => {
    const narrowed = changed((d) => {
      bodySchema(op(d, '/v1/users', 'post')).properties.email.maxLength = 100;
    });
    expect(breaking(narrowed).join('\n')).toMatch(/POST \/v1\/users: .*maxLength.*`email`/);
    const widened = changed((d) => {
      bodySchema(op(d, '/v1/users', 'post')).properties.email.maxLength = 400;
    });
    expect(breaking(widened)).toEqual([]);
    expect(additive(widened)).toHaveLength(1);
  });

  it('a changed status code is breaking (201 → 200)', () => {
    const found = breaking(
      changed((d) => {
        const responses = op(d, '/v1/users', 'post').responses as Json;
        responses['200'] = responses['201'];
        delete responses['201'];
      }),
    );
    expect(found.join('\n')).toMatch(/POST \/v1\/users: .*Response 201/);
  });

  it('an enum value removed from a request parameter is breaking', () => {
    const found = breaking(
      changed((d) => {
        const status = op(d, '/v1/orders', 'get').parameters!.find((p) => p.name === 'status')!;
        (status.schema!.anyOf as unknown[]).pop();
      }),
    );
    expect(found.join('\n')).toMatch(/GET \/v1\/orders: .*query parameter `status`/);
  });

  it('a removed query parameter is breaking (unknown parameters are refused)', () => {
    const found = breaking(
      changed((d) => {
        const get = op(d, '/v1/orders', 'get');
        get.parameters = get.parameters!.filter((p) => p.name !== 'user_id');
      }),
    );
    expect(found.join('\n')).toMatch(/GET \/v1\/orders: .*query parameter `user_id`/);
  });

  // Corrections to the tool, each a breaking change it would let through.
  it('a response field whose type widens (integer → string) is breaking', () => {
    const found = breaking(
      changed((d) => {
        jsonSchema(op(d, '/v1/orders/{id}', 'get'), '200').properties.total_amount.type = 'string';
      }),
    );
    expect(found.join('\n')).toMatch(/GET \/v1\/orders\/\{id\}: .*type.*`total_amount`/);
  });

  it('a request field removed from a body that refuses unknown fields is breaking', () => {
    const found = breaking(
      changed((d) => {
        delete bodySchema(op(d, '/v1/users', 'post')).properties.name;
      }),
    );
    expect(found.join('\n')).toMatch(/POST \/v1\/users: .*`name`/);
  });

  it('a response header may narrow but not widen', () => {
    const narrowed = changed((d) => {
      d.components.headers.RateLimit.schema.maxLength = 128;
    });
    expect(breaking(narrowed)).toEqual([]);
    const widened = changed((d) => {
      delete d.components.headers['X-Request-Id'].schema.pattern;
    });
    expect(breaking(widened).join('\n')).toMatch(/components.headers.X-Request-Id.schema.pattern/);
  });

  it('additions are additive: an optional request field, a response field, an operation, a status', () => {
    const changes = changed((d) => {
      bodySchema(op(d, '/v1/users', 'post')).properties.nickname = {
        type: 'string',
        maxLength: 50,
      };
      jsonSchema(op(d, '/v1/users/{id}', 'get'), '200').properties.locale = { type: 'string' };
      d.paths['/v1/things'] = {
        get: { operationId: 'listThings', responses: { 200: { description: 'OK' } } },
      };
      op(d, '/v1/users/{id}', 'get').responses['418'] = { description: 'A teapot.' };
    });
    expect(breaking(changes)).toEqual([]);
    expect(additive(changes).length).toBeGreaterThanOrEqual(4);
  });

  it('links between operations are documentation: adding or rewording one never breaks', () => {
    const changes = changed((d) => {
      const created = (op(d, '/v1/orders', 'post') as Json).responses['201'] as Json;
      created.links = {
        ...created.links,
        ListOrders: { operationId: 'listOrders', parameters: {}, description: 'New.' },
      };
      created.links.GetOrder.description = 'Reworded.';
    });
    expect(breaking(changes)).toEqual([]);
    expect(changes.length).toBeGreaterThan(0);
  });

  describe('webhooks are judged as receivers parse them, like responses', () => {
    const hook = (d: Json, type: string) => d.webhooks[type].post as Json;
    const dataOf = (d: Json, type: string) => bodySchema(hook(d, type)).properties.data as Json;

    it('a field removed from an event payload, or a removed event type, is breaking', () => {
      expect(
        breaking(changed((d) => delete dataOf(d, 'order.created').properties.total_amount)),
      ).toEqual([
        expect.stringMatching(/^BREAKING webhook order\.created: .*total_amount.*requestBody/),
      ]);
      expect(breaking(changed((d) => delete d.webhooks['refund.failed']))).toEqual([
        expect.stringMatching(/^BREAKING webhook refund\.failed: /),
      ]);
    });

    it('a widened payload value or signature header is breaking; a narrowed one is not', () => {
      expect(
        breaking(
          changed((d) => {
            dataOf(d, 'payment.succeeded').properties.amount.maximum *= 10;
          }),
        ),
      ).toEqual([expect.stringMatching(/BREAKING webhook payment\.succeeded: .*amount/)]);
      expect(
        breaking(
          changed((d) => {
            hook(d, 'order.created').parameters[2].schema.maxLength = 400;
          }),
        ),
      ).toEqual([expect.stringMatching(/BREAKING webhook order\.created: .*parameters/)]);
      const narrowed = changed((d) => {
        hook(d, 'order.created').parameters[2].schema.maxLength = 100;
      });
      expect(breaking(narrowed)).toEqual([]);
      expect(narrowed.length).toBeGreaterThan(0);
    });

    it('a new event type, a new payload field and a reworded description are additive', () => {
      const changes = changed((d) => {
        d.webhooks['order.shipped'] = structuredClone(d.webhooks['order.created']);
        hook(d, 'order.shipped').operationId = 'orderShippedWebhook';
        dataOf(d, 'order.created').properties.note = { type: 'string', maxLength: 10 };
        hook(d, 'order.created').description = 'Reworded.';
      });
      expect(breaking(changes)).toEqual([]);
      expect(additive(changes).length).toBeGreaterThanOrEqual(2);
    });

    it('a document that gains its first webhooks section breaks nothing', () => {
      const without = structuredClone(published) as Json;
      delete without.webhooks;
      const changes = compareContracts(without as OpenApiDocument, published);
      expect(breaking(changes)).toEqual([]);
      expect(changes.length).toBeGreaterThan(0);
    });
  });

  it('prose, tags and deprecation notices never break a client', () => {
    const changes = changed((d) => {
      d.info.description = 'Reworded.';
      d.tags.reverse();
      op(d, '/v1/users', 'post').summary = 'Create a person';
      op(d, '/v1/users', 'post').deprecated = false;
    });
    expect(breaking(changes)).toEqual([]);
    expect(changes.length).toBeGreaterThan(0);
  });
});
