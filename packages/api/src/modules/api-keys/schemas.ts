import { Text } from '../../platform/validation/text.js';
import { Type, type Static } from 'typebox';
import { PUBLISHED_SCOPES, SCOPES, type Scope } from '../../platform/auth/scopes.js';
import { idPattern } from '../../platform/ids/ids.js';

const KEY_EXAMPLE_ID = 'key_01jdq52a3b4c5d6e7f8g9h0j1k';
export const ApiKeyId = Type.String({
  pattern: idPattern('key'),
  description: 'API key id (`key_…`).',
  examples: [KEY_EXAMPLE_ID],
});
const ScopeSchema = Type.Unsafe<Scope>({
  type: 'string',
  enum: [...SCOPES],
  description: 'A permission; see the scope list in the API description.',
});
/** In responses: the published scopes only (PUBLISHED_SCOPES says why). */
const ListedScopeSchema = Type.Unsafe<Scope>({
  type: 'string',
  enum: [...PUBLISHED_SCOPES],
  description: 'A permission; see the scope list in the API description.',
});
const Timestamp = Type.String({ format: 'date-time' });

export const API_KEY_EXAMPLE = {
  id: KEY_EXAMPLE_ID,
  object: 'api_key',
  name: 'reporting job',
  mode: 'test',
  scopes: ['users:read', 'orders:read'],
  prefix: 'sk_test_1f2e3d4c5b6a',
  created_at: '2026-11-25T10:00:00.000Z',
  expires_at: '2027-11-25T00:00:00.000Z',
  revoked_at: null,
  last_used_at: null,
};

const apiKeyFields = {
  id: ApiKeyId,
  object: Type.Literal('api_key'),
  name: Type.String({ maxLength: 100, pattern: '^[^\\u0000]*$' }),
  mode: Type.Union([Type.Literal('live'), Type.Literal('test')]),
  scopes: Type.Array(ListedScopeSchema, {
    maxItems: PUBLISHED_SCOPES.length,
    description:
      'The scopes of the key, except `webhooks:read` and `webhooks:write`, which this version does not list (the key still carries them).',
  }),
  prefix: Type.String({
    pattern: '^sk_(live|test)_[0-9a-f]{12}$',
    description: 'The public start of the key, to recognise it; not a secret.',
  }),
  created_at: Timestamp,
  expires_at: Type.Union([Timestamp, Type.Null()]),
  revoked_at: Type.Union([Timestamp, Type.Null()]),
  last_used_at: Type.Union([Timestamp, Type.Null()], {
    description:
      'Last successful use, written in batches (at most API_KEY_LAST_USED_FLUSH_MS late).',
  }),
};

export const ApiKey = Type.Object(apiKeyFields, {
  additionalProperties: false,
  examples: [API_KEY_EXAMPLE],
});
export type ApiKeyView = Static<typeof ApiKey>;

export const CreatedApiKey = Type.Object(
  {
    ...apiKeyFields,
    secret: Type.String({
      pattern: '^sk_(live|test)_[0-9a-f]{60}$',
      description: 'The key itself. Shown only in this response; store it now.',
    }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        ...API_KEY_EXAMPLE,
        secret: 'sk_test_1f2e3d4c5b6a7f8e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c9b0a',
      },
    ],
  },
);

export const CreateApiKeyBody = Type.Object(
  {
    name: Text({ minLength: 1, maxLength: 100 }),
    scopes: Type.Optional(
      Type.Array(ScopeSchema, {
        minItems: 1,
        maxItems: SCOPES.length,
        uniqueItems: true,
        description: 'Defaults to the scopes of the calling credential; may not exceed them.',
      }),
    ),
    expires_at: Type.Optional({
      ...Timestamp,
      description: 'When the key stops working; must be in the future.',
    }),
  },
  {
    additionalProperties: false,
    examples: [
      {
        name: 'reporting job',
        scopes: ['users:read', 'orders:read'],
        expires_at: '2027-11-25T00:00:00.000Z',
      },
    ],
  },
);
export type CreateApiKeyInput = Static<typeof CreateApiKeyBody>;

export const ApiKeyParams = Type.Object({ id: ApiKeyId }, { additionalProperties: false });
