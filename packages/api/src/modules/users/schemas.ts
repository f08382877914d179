import { Text } from '../../platform/validation/text.js';
import { Type, type Static } from 'typebox';
import { idPattern } from '../../platform/ids/ids.js';
import { EMAIL_PATTERN, EMAIL_RULE } from '../../platform/validation/email.js';

export const UserId = Type.String({
  pattern: idPattern('usr'),
  description: 'User id (`usr_…`).',
  examples: ['usr_01jdq3z7x8k2m4n6p8r0s2t4v6'],
});
const Email = Type.String({
  format: 'email',
  pattern: EMAIL_PATTERN,
  minLength: 3,
  maxLength: 254,
  description: `Unique per account, compared case-insensitively. ${EMAIL_RULE}`,
});
const Name = Text({ minLength: 1, maxLength: 200 });
const Timestamp = Type.String({ format: 'date-time' });

export const USER_EXAMPLE = {
  id: 'usr_01jdq3z7x8k2m4n6p8r0s2t4v6',
  object: 'user',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  created_at: '2026-11-25T10:00:00.000Z',
  updated_at: '2026-11-25T10:00:00.000Z',
};

export const User = Type.Object(
  {
    id: UserId,
    object: Type.Literal('user'),
    email: Email,
    name: Type.Union([Name, Type.Null()]),
    created_at: Timestamp,
    updated_at: Timestamp,
  },
  {
    additionalProperties: false,
    examples: [USER_EXAMPLE],
  },
);
export type UserView = Static<typeof User>;

export const CreateUserBody = Type.Object(
  { email: Email, name: Type.Optional(Name) },
  { additionalProperties: false, examples: [{ email: 'ada@example.com', name: 'Ada Lovelace' }] },
);

export const UpdateUserBody = Type.Object(
  { email: Type.Optional(Email), name: Type.Optional(Type.Union([Name, Type.Null()])) },
  { additionalProperties: false, minProperties: 1, examples: [{ name: 'Ada King' }] },
);

export const UserParams = Type.Object({ id: UserId }, { additionalProperties: false });

/** Filters of the user list, beside the page parameters. */
export const UserFilters = {
  email: Type.Optional({
    ...Email,
    description: 'Only the user with this email (case-insensitive).',
  }),
};
