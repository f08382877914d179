import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { ApiError } from '../errors/api-error.js';

export interface JsonBodyOptions {
  /** Deepest accepted nesting of objects/arrays (JSON_MAX_DEPTH). */
  maxDepth: number;
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * True when objects/arrays in `text` nest deeper than `maxDepth`. A linear scan of the raw text,
 * done before parsing, so a deeply nested body is refused without building it and without any
 * recursion that could overflow the stack (here or later, in validation or serialisation).
 */
export function nestsDeeperThan(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
  }
  return false;
}

const FORBIDDEN_KEY = /forbidden (prototype|constructor) property/;

/** Parses a JSON body, or throws the ApiError the client should see. */
export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (text.length === 0) {
    throw new ApiError('malformed_json', 'The body is empty but Content-Type is application/json.');
  }
  if (nestsDeeperThan(text, maxDepth)) {
    throw new ApiError(
      'json_too_deep',
      `The body nests objects or arrays deeper than ${maxDepth} levels.`,
    );
  }
  try {
    // The same protections as Fastify's own parser: `__proto__` and `constructor.prototype` keys
    // are errors, never silently dropped or merged into an object's prototype.
    return secureJson.parse(text, { protoAction: 'error', constructorAction: 'error' }) as unknown;
  } catch (error) {
    if (error instanceof SyntaxError && FORBIDDEN_KEY.test(error.message)) {
      throw new ApiError(
        'malformed_json',
        'The body contains a "__proto__" or "constructor.prototype" key, which is not accepted.',
      );
    }
    throw new ApiError('malformed_json', 'The body is not valid JSON.');
  }
}

/**
 * Replaces Fastify's application/json parser with one that also bounds nesting depth. Body size
 * stays bounded by BODY_LIMIT_BYTES (the parser inherits the instance's bodyLimit).
 */
async function jsonBodyPlugin(app: FastifyInstance, options: JsonBodyOptions) {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body as string, options.maxDepth));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

export const jsonBody = fp(jsonBodyPlugin, { name: 'steadfast-json-body' });
