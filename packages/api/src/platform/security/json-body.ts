import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { ApiError, validationFailed, type FieldError } from '../errors/api-error.js';
import { UNSAFE_DISPLAY_CHARACTER } from '../validation/text.js';

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

/** `charset=…` of a Content-Type header, lower-cased, or undefined when it names none. */
export function declaredCharset(contentType: string | undefined): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(contentType ?? '');
  return match?.[1]?.toLowerCase();
}

/**
 * JSON is UTF-8 (RFC 8259 §8.1). A body declared in another charset used to be decoded as UTF-8
 * anyway, and bytes that are not UTF-8 were stored as U+FFFD: both are refused now.
 */
export function decodeUtf8Body(body: Buffer, contentType: string | undefined): string {
  const charset = declaredCharset(contentType);
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ApiError(
      'unsupported_media_type',
      `JSON bodies must be UTF-8 (RFC 8259); charset=${charset.slice(0, 40)} is not accepted.`,
    );
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    throw new ApiError('malformed_json', 'The body is not valid UTF-8.');
  }
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const pointerPart = (key: string | number) =>
  String(key).replaceAll('~', '~0').replaceAll('/', '~1');

/**
 * Every string of a parsed body (keys included): a lone surrogate (`"\ud800"`) is not Unicode and
 * is refused as malformed JSON; control characters other than tab, line feed and carriage return,
 * and the bidirectional embedding/override/isolate characters that make a name display as
 * something else (CVE-2021-42574, "Trojan Source"), are refused with a pointer to the field.
 * Iterative, so no body can overflow the stack (depth is bounded before parsing anyway).
 */
export function refuseUnsafeStrings(value: unknown): void {
  const errors: FieldError[] = [];
  const stack: { value: unknown; pointer: string }[] = [{ value, pointer: '' }];
  while (stack.length > 0) {
    const { value: node, pointer } = stack.pop()!;
    if (typeof node === 'string') {
      if (LONE_SURROGATE.test(node)) {
        throw new ApiError(
          'malformed_json',
          'The body contains a lone surrogate (\\uD800–\\uDFFF escape).',
        );
      }
      if (UNSAFE_DISPLAY_CHARACTER.test(node) && errors.length < 20) {
        errors.push({
          in: 'body',
          pointer,
          detail: 'must not contain control characters or bidirectional overrides',
        });
      }
    } else if (node !== null && typeof node === 'object') {
      for (const [key, child] of Object.entries(node)) {
        const at = `${pointer}/${pointerPart(key)}`;
        if (LONE_SURROGATE.test(key) || UNSAFE_DISPLAY_CHARACTER.test(key)) {
          stack.push({ value: key, pointer: at });
        }
        stack.push({ value: child, pointer: at });
      }
    }
  }
  if (errors.length > 0) throw validationFailed(...errors.reverse());
}

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
  let parsed: unknown;
  try {
    // The same protections as Fastify's own parser: `__proto__` and `constructor.prototype` keys
    // are errors, never silently dropped or merged into an object's prototype.
    parsed = secureJson.parse(text, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    if (error instanceof SyntaxError && FORBIDDEN_KEY.test(error.message)) {
      throw new ApiError(
        'malformed_json',
        'The body contains a "__proto__" or "constructor.prototype" key, which is not accepted.',
      );
    }
    throw new ApiError('malformed_json', 'The body is not valid JSON.');
  }
  refuseUnsafeStrings(parsed);
  return parsed;
}

/**
 * Replaces Fastify's application/json parser with one that also checks the charset and UTF-8,
 * bounds nesting depth and refuses unsafe strings. Body size stays bounded by BODY_LIMIT_BYTES
 * (the parser inherits the instance's bodyLimit).
 */
async function jsonBodyPlugin(app: FastifyInstance, options: JsonBodyOptions) {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      const text = decodeUtf8Body(body as Buffer, request.headers['content-type']);
      done(null, parseJsonBody(text, options.maxDepth));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

export const jsonBody = fp(jsonBodyPlugin, { name: 'steadfast-json-body' });
