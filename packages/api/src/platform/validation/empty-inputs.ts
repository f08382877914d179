import { Type } from 'typebox';

/** For routes that take no query parameters: an unknown one is an error, not silently ignored. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

/** For actions (cancel, revoke) that take no fields: an empty body or `{}`, nothing else. */
export const EmptyBody = Type.Object(
  {},
  { additionalProperties: false, description: 'No fields; an empty body or `{}`.', examples: [{}] },
);
