import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAppLogger, isoTimestamp } from '../../src/platform/observability/logger.js';
import { CENSOR, redactSecrets } from '../../src/platform/observability/redaction.js';

describe('redactSecrets', () => {
  it('censors secret-named fields in the first three levels, whatever their case', () => {
    const line = {
      password: 'p1',
      user: { secret: 's1', profile: { api_key: 'k1', deeper: { password: 'kept' } } },
      req: { headers: { Authorization: 'Bearer t', cookie: 'c', 'x-api-key': 'x', accept: '*/*' } },
      'Set-Cookie': 'sid=1',
    };
    expect(redactSecrets(line)).toEqual({
      password: CENSOR,
      user: { secret: CENSOR, profile: { api_key: CENSOR, deeper: { password: 'kept' } } },
      req: {
        headers: { Authorization: CENSOR, cookie: CENSOR, 'x-api-key': CENSOR, accept: '*/*' },
      },
      'Set-Cookie': CENSOR,
    });
  });

  it('never changes the caller’s object, and returns it as is when nothing is secret', () => {
    const nested = { secret: 's' };
    const line = { route: '/v1/orders', nested };
    const redacted = redactSecrets(line);
    expect(redacted).not.toBe(line);
    expect(line.nested).toBe(nested);
    expect(nested.secret).toBe('s');
    const clean = { method: 'GET', status: 200, tenant: { id: 'acc_1' } };
    expect(redactSecrets(clean)).toBe(clean);
  });

  it('searches arrays and errors, keeping an error’s class, message and stack', () => {
    class UpstreamError extends Error {}
    const error = Object.assign(new UpstreamError('upstream said no'), { password: 'p' });
    const out = redactSecrets({ attempts: [{ api_key: 'k' }, { ok: 1 }], err: error });
    expect(out.attempts).toEqual([{ api_key: CENSOR }, { ok: 1 }]);
    expect(out.err).toBeInstanceOf(UpstreamError);
    expect(out.err.message).toBe('upstream said no');
    expect(out.err.stack).toBe(error.stack);
    expect((out.err as unknown as { password: string }).password).toBe(CENSOR);
    expect(error.password).toBe('p');
  });

  it('copies an error whose class will not take a new message (DOMException) as a plain object', () => {
    const error = Object.assign(new DOMException('aborted', 'AbortError'), { secret: 's' });
    const out = redactSecrets({ err: error }).err as unknown as Record<string, unknown>;
    expect(out).toMatchObject({ name: 'AbortError', message: 'aborted', secret: CENSOR });
    expect(error.secret).toBe('s');
  });

  it('leaves other class instances to their serializers, and undefined fields alone', () => {
    const when = new Date(0);
    const buffer = Buffer.from('secret bytes');
    const line = { when, buffer, password: undefined };
    expect(redactSecrets(line)).toBe(line);
  });
});

describe('the app logger', () => {
  it('writes no secret, from the line, a child’s bindings or an error’s fields', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        out += chunk.toString();
        done();
      },
    });
    const logger = createAppLogger({ env: 'production', logLevel: 'info' }, sink);
    const child = logger.child({ headers: { authorization: 'Bearer bindings-token' } });
    child.info({ api_key: 'sk_test_line', nested: { password: 'hunter2' } }, 'hello');
    logger.error({ err: Object.assign(new Error('boom'), { secret: 'err-secret' }) }, 'failed');
    expect(out).not.toMatch(/bindings-token|sk_test_line|hunter2|err-secret/);
    const [first, second] = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { err: { stack: string } });
    expect(first).toMatchObject({
      msg: 'hello',
      api_key: CENSOR,
      nested: { password: CENSOR },
      headers: { authorization: CENSOR },
    });
    expect(second).toMatchObject({ msg: 'failed', err: { message: 'boom', secret: CENSOR } });
    expect(second?.err.stack).toContain('boom');
  });
});

describe('isoTimestamp', () => {
  it('writes what new Date().toISOString() writes, in pino’s time field', () => {
    for (let i = 0; i < 2_000; i += 1) {
      const before = Date.now();
      const field = isoTimestamp();
      const after = Date.now();
      const { time } = JSON.parse(`{${field.slice(1)}}`) as { time: string };
      const written = Date.parse(time);
      expect(field).toMatch(/^,"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"$/);
      expect(written).toBeGreaterThanOrEqual(before);
      expect(written).toBeLessThanOrEqual(after);
    }
  });
});
