import { Type } from 'typebox';
import { describe, expect, it } from 'vitest';
import { ApiError, validationFailed } from '../../src/platform/errors/api-error.js';
import { maxLengthOf, stateImpliedBounds } from '../../src/platform/openapi/implied-bounds.js';
import {
  versionedRequest,
  versionedResponse,
  type RequestChange,
  type ResponseChange,
} from '../../src/platform/versioning/representation.js';

/** The version-change machinery on a toy shape: `{ cents }` in v1, `{ price: { cents } }` in v2. */
const V1 = Type.Object({ cents: Type.Integer() });
const V2 = Type.Object({ price: Type.Object({ cents: Type.Integer() }) });

const nestPrice: ResponseChange<{ cents: number }, { price: { cents: number } }> = {
  since: 'v2',
  description: 'cents moves into price',
  schema: V2,
  up: (v1) => ({ price: { cents: v1.cents } }),
};
const unnestPrice: RequestChange<{ cents: number }, { price: { cents: number } }> = {
  since: 'v2',
  description: 'cents is sent inside price',
  schema: V2,
  down: (v2) => {
    if (v2.price.cents === 13)
      throw validationFailed({ in: 'body', pointer: '/price/cents', detail: 'unlucky' });
    return { cents: v2.price.cents };
  },
  pointer: (previous) => (previous === '/cents' ? '/price/cents' : previous),
};

describe('version changes', () => {
  const response = versionedResponse<{ cents: number }>(V1, [nestPrice]);
  const request = versionedRequest<{ cents: number }>(V1, [unnestPrice]);

  it('present each version its shape, and the schema that describes it', () => {
    expect(response.present('v1', { cents: 5 })).toEqual({ cents: 5 });
    expect(response.present('v2', { cents: 5 })).toEqual({ price: { cents: 5 } });
    expect(response.schema('v1')).toBe(V1);
    expect(response.schema('v2')).toBe(V2);
    expect(response.changes.map((c) => c.description)).toEqual(['cents moves into price']);
  });

  it('accept each version’s body as the core input', () => {
    expect(request.accept('v1', { cents: 7 })).toEqual({ cents: 7 });
    expect(request.accept('v2', { price: { cents: 7 } })).toEqual({ cents: 7 });
    expect(() => request.accept('v2', { price: { cents: 13 } })).toThrow(ApiError);
  });

  it('rewrite the pointers of domain validation errors into the version’s body', async () => {
    const failing = () =>
      Promise.reject(validationFailed({ in: 'body', pointer: '/cents', detail: 'too dear' }));
    await expect(
      request.translateErrors('v2', { price: { cents: 1 } }, failing),
    ).rejects.toMatchObject({
      extras: { errors: [{ in: 'body', pointer: '/price/cents', detail: 'too dear' }] },
    });
    // v1 errors pass through untouched, and other errors too.
    await expect(request.translateErrors('v1', { cents: 1 }, failing)).rejects.toMatchObject({
      extras: { errors: [{ pointer: '/cents' }] },
    });
    const boom = new Error('boom');
    await expect(
      request.translateErrors('v2', { price: { cents: 1 } }, () => Promise.reject(boom)),
    ).rejects.toBe(boom);
  });

  it('refuse a change in the base version', () => {
    expect(() => versionedResponse(V1, [{ ...nestPrice, since: 'v1' }])).toThrow(/base version/);
  });
});

describe('bounds the document states from the schemas', () => {
  it('reads the longest match of an anchored pattern', () => {
    expect(maxLengthOf('^usr_[0-9a-hjkmnp-tv-z]{26}$')).toBe(30);
    expect(maxLengthOf('^[A-Z]{3}$')).toBe(3);
    expect(maxLengthOf('^pm_[a-z0-9_]{1,60}$')).toBe(63);
    expect(maxLengthOf('^sk_(live|test)_[0-9a-f]{12}$')).toBe(20);
    expect(maxLengthOf('^[^\\u0000]*$')).toBeUndefined();
    expect(maxLengthOf('^a+$')).toBeUndefined();
    expect(maxLengthOf('no anchors')).toBeUndefined();
  });

  it('adds maxLength and integer formats, leaving examples alone', () => {
    const document = {
      id: { type: 'string', pattern: '^ord_[0-9a-z]{26}$' },
      at: { type: 'string', format: 'date-time' },
      small: { type: 'integer', minimum: 1, maximum: 100 },
      big: { type: 'integer', minimum: 0, maximum: 100_000_000_000_000 },
      free: { type: 'string' },
      example: { type: 'integer' },
    };
    stateImpliedBounds(document);
    expect(document).toEqual({
      id: { type: 'string', pattern: '^ord_[0-9a-z]{26}$', maxLength: 30 },
      at: { type: 'string', format: 'date-time', maxLength: 35 },
      small: { type: 'integer', minimum: 1, maximum: 100, format: 'int32' },
      big: { type: 'integer', minimum: 0, maximum: 100_000_000_000_000, format: 'int64' },
      free: { type: 'string' },
      example: { type: 'integer' },
    });
  });
});
