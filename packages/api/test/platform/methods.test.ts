import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestTenant, startApp, type Tenant, type TestApp } from '../support/app.js';

/** What a raw request line gets back over a real socket: status, headers, parsed body. */
async function rawRequest(port: number, head: string) {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    let out = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (out += chunk));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error(`no answer to ${head.split('\r\n')[0]} (got ${JSON.stringify(out)})`));
    });
  });
  const [headBlock = '', body = ''] = text.split('\r\n\r\n');
  const [statusLine = '', ...lines] = headBlock.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: body === '' ? undefined : (JSON.parse(body) as Record<string, unknown>),
  };
}

/**
 * RFC 9110: 405 with Allow for a standard method the resource does not support, 501 for a method
 * no resource implements; every refusal problem+json, CONNECT included, over a real socket.
 */
describe('methods no route takes', () => {
  let t: TestApp;
  let tenant: Tenant;
  let port: number;
  const user = '/v2/users/usr_01jdq3z7x8k2m4n6p8r0s2t4v6';
  beforeAll(async () => {
    t = await startApp();
    tenant = await createTestTenant(t);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  afterAll(() => t.close());

  const send = (requestLine: string, extra = '') =>
    rawRequest(
      port,
      `${requestLine} HTTP/1.1\r\nHost: localhost\r\nAuthorization: ${tenant.headers.authorization}\r\n${extra}Connection: close\r\n\r\n`,
    );

  const expectProblem = (
    response: Awaited<ReturnType<typeof rawRequest>>,
    status: number,
    code: string,
  ) => {
    expect(response.status).toBe(status);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.body).toMatchObject({ status, code, title: expect.any(String) });
    expect(response.body!.request_id).toBe(response.headers['x-request-id']);
  };

  it.each([
    ['QUERY', user],
    ['QUERY', '/v2/users'],
    ['TRACE', user],
    ['PUT', user],
  ])('%s %s: 405 with the Allow header', async (method, path) => {
    const response = await send(`${method} ${path}`);
    expectProblem(response, 405, 'method_not_allowed');
    expect(response.headers.allow).toMatch(/^GET, HEAD/);
  });

  it('QUERY with a body and Content-Type: the same 405', async () => {
    const response = await send(
      `QUERY ${user}`,
      'Content-Type: application/json\r\nContent-Length: 2\r\n',
    );
    expect(response.status).toBe(405);
  });

  it.each([['PROPFIND'], ['MKCOL'], ['PURGE'], ['SEARCH']])(
    '%s (not a method this API implements): 501 on a known and an unknown path',
    async (method) => {
      expectProblem(await send(`${method} ${user}`), 501, 'method_not_implemented');
      expectProblem(await send(`${method} /nowhere`), 501, 'method_not_implemented');
    },
  );

  it('a token Node does not know as a method: 501', async () => {
    expectProblem(await send(`FROB ${user}`), 501, 'method_not_implemented');
  });

  it('CONNECT to an authority: 501 problem+json, not a closed socket', async () => {
    const response = await send('CONNECT example.com:443');
    expectProblem(response, 501, 'method_not_implemented');
    expect(response.body!.instance).toBe('/');
  });

  it('CONNECT to a path: 405 with Allow there, 404 where nothing is routed', async () => {
    const routed = await send('CONNECT /v2/users');
    expectProblem(routed, 405, 'method_not_allowed');
    expect(routed.headers.allow).toBe('GET, HEAD, POST');
    expectProblem(await send('CONNECT /nowhere'), 404, 'route_not_found');
  });

  it('a standard method on an unknown path stays 404', async () => {
    expectProblem(await send('QUERY /nowhere'), 404, 'route_not_found');
    expectProblem(await send('DELETE /nowhere'), 404, 'route_not_found');
  });
});
