import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { turnBatching } from '../../src/platform/scheduling/turn-batching.js';
import { createTestTenant, startApp, type TestApp } from '../support/app.js';
import { call } from '../support/http.js';

/*
 * Issue 19: the requests of one event-loop turn wait for each other once, then go on together
 * (platform/scheduling/turn-batching.ts). Health probes never wait.
 */

/** A server that records when each request arrives (a hook before the wait) and is handled. */
async function recorder(batching: boolean) {
  const events: string[] = [];
  const app = Fastify();
  app.addHook('onRequest', (request, _reply, done) => {
    events.push(`arrive ${request.url}`);
    done();
  });
  if (batching) await app.register(turnBatching, { exemptRoutes: ['/livez'] });
  app.get('/work/:n', (request) => {
    events.push(`handle ${request.url}`);
    return { ok: true };
  });
  app.get('/livez', (request) => {
    events.push(`handle ${request.url}`);
    return { ok: true };
  });
  await app.ready();
  return { app, events };
}

const servers: FastifyInstance[] = [];
const apps: TestApp[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((app) => app.close()));
  await Promise.all(apps.splice(0).map((t) => t.close()));
});

describe('turn batching', () => {
  it('runs the handlers of requests that arrived together after all of them arrived', async () => {
    const { app, events } = await recorder(true);
    servers.push(app);
    const responses = await Promise.all(
      ['/work/1', '/work/2', '/work/3'].map((url) => app.inject({ url })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(events).toEqual([
      'arrive /work/1',
      'arrive /work/2',
      'arrive /work/3',
      'handle /work/1',
      'handle /work/2',
      'handle /work/3',
    ]);
  });

  it('without it each request runs to its handler as it arrives (what the test above rules out)', async () => {
    const { app, events } = await recorder(false);
    servers.push(app);
    await Promise.all(['/work/1', '/work/2'].map((url) => app.inject({ url })));
    expect(events).toEqual([
      'arrive /work/1',
      'handle /work/1',
      'arrive /work/2',
      'handle /work/2',
    ]);
  });

  it('health probes never wait for the turn', async () => {
    const { app, events } = await recorder(true);
    servers.push(app);
    await Promise.all(['/work/1', '/livez'].map((url) => app.inject({ url })));
    expect(events).toEqual(['arrive /work/1', 'arrive /livez', 'handle /livez', 'handle /work/1']);
  });

  it.each(['true', 'false'])(
    'REQUEST_TURN_BATCHING=%s: the app serves concurrent requests the same',
    async (value) => {
      const t = await startApp('sqlite', { REQUEST_TURN_BATCHING: value });
      apps.push(t);
      const tenant = await createTestTenant(t);
      const responses = await Promise.all(
        Array.from({ length: 10 }, () => call(t.app, 'GET', '/v1/users', { tenant })),
      );
      expect(responses.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
      expect(new Set(responses.map((r) => r.headers['x-request-id'])).size).toBe(10);
      // The setting decides whether the wait is registered at all.
      expect(t.app.hasPlugin('steadfast-turn-batching')).toBe(value === 'true');
      expect(
        responses.every((r) => /^application\/json/.test(String(r.headers['content-type']))),
      ).toBe(true);
    },
  );
});
