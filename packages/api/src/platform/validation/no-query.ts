import { Type } from 'typebox';

/** For routes that take no query parameters: an unknown one is an error, not silently ignored. */
export const NoQuery = Type.Object({}, { additionalProperties: false });
