import type { FastifyInstance } from 'fastify';
import fastQueryString from 'fast-querystring';
import fp from 'fastify-plugin';
import { ApiError, type FieldError } from '../errors/api-error.js';
import { safeEcho } from '../errors/echo.js';
import { MAX_POINTER_LENGTH } from '../errors/validation-errors.js';

/**
 * Where a rejected query string says why. The parser runs inside the router, where a throw would
 * escape every error handler (and crash the process), so it marks the result instead and a hook
 * turns the mark into a problem+json answer.
 */
const REJECTED = Symbol('steadfast.query-rejected');

type ParsedQuery = Record<string, unknown> & { [REJECTED]?: FieldError };

/** Keys that name JavaScript's object machinery: no operation has such a parameter. */
const FORBIDDEN_KEY = /__proto__|constructor|prototype/;

const AMPERSAND = 0x26;

function countPairs(text: string): number {
  let pairs = text.length > 0 ? 1 : 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === AMPERSAND) pairs++;
  return pairs;
}

function rejected(detail: string, pointer = ''): ParsedQuery {
  const query: ParsedQuery = Object.create(null) as ParsedQuery;
  query[REJECTED] = { in: 'query', pointer, detail };
  return query;
}

/**
 * Fastify's own parser (fast-querystring: null-prototype result, so `__proto__` cannot reach a
 * prototype) with two limits in front: at most `maxParams` pairs, counted before any decoding, and
 * no key that names `__proto__`, `constructor` or `prototype`.
 */
export function createQuerystringParser(maxParams: number) {
  return (text: string): Record<string, unknown> => {
    if (countPairs(text) > maxParams) {
      return rejected(`has more than ${maxParams} parameters`);
    }
    const query = fastQueryString.parse(text) as ParsedQuery;
    for (const key of Object.keys(query)) {
      if (FORBIDDEN_KEY.test(key)) {
        return rejected(
          'is not an accepted parameter name',
          safeEcho(`/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, MAX_POINTER_LENGTH),
        );
      }
    }
    return query;
  };
}

/** Answers 400 validation_failed for a query string the parser refused. */
async function queryLimitsPlugin(app: FastifyInstance) {
  // A callback hook (a throw in it reaches Fastify's error path all the same): every request walks it.
  app.addHook('onRequest', (request, _reply, done) => {
    const query = request.query as ParsedQuery | undefined;
    const reason = query?.[REJECTED];
    if (reason) {
      throw new ApiError('validation_failed', 'The query string is not acceptable; see errors.', {
        errors: [reason],
      });
    }
    done();
  });
}

export const queryLimits = fp(queryLimitsPlugin, { name: 'steadfast-query-limits' });
