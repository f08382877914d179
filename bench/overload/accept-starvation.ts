/**
 * `npx tsx bench/overload/accept-starvation.ts [--connections 1000] [--work 1] [--seconds 8]
 * [--acceptors 1]`: a bare `node:http` server (no Steadfast code, `--work` ms of CPU per request)
 * under wrk's busy keep-alive connections, and a probe on a NEW connection every 0.5 s. It shows
 * that the API port's probes waiting for the end of the burst (bench/RESULTS.md, "Overload") is
 * Node's own behaviour: the kernel completes the probe's handshake at once, but the server accepts
 * it only when the burst ends. libuv (1.52 in Node 24) accepts one connection per readiness event
 * of the listening socket (`uv__server_io`), an event-loop iteration over ~1,000 busy sockets lasts
 * hundreds of milliseconds, and connections wrk re-opens after its timeouts queue ahead of the
 * probe. `--acceptors N` listens N times with SO_REUSEPORT, each handing its connections to the
 * same server: it did not help in our runs. Prints each probe's connect and answer times.
 */
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    connections: { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '8' },
    acceptors: { type: 'string', default: '1' },
    /** CPU each request spends, in ms (the API's list page costs about 0.2–1 ms). */
    work: { type: 'string', default: '1' },
    serve: { type: 'boolean' },
  },
});
const PORT = 3997;

if (values.serve) {
  const { createServer } = await import('node:http');
  const { createServer: createNetServer } = await import('node:net');
  const work = Number(values.work);
  const server = createServer((req, res) => {
    if (req.url !== '/livez') {
      const until = performance.now() + work;
      while (performance.now() < until);
    }
    res.end('ok');
  });
  const acceptors = Number(values.acceptors);
  if (acceptors <= 1) server.listen({ port: PORT, host: '127.0.0.1', backlog: 4096 });
  else
    for (let i = 0; i < acceptors; i += 1)
      createNetServer({ pauseOnConnect: false }, (socket) =>
        server.emit('connection', socket),
      ).listen({
        port: PORT,
        host: '127.0.0.1',
        backlog: 4096,
        reusePort: true,
      });
} else {
  const server = spawn(
    process.execPath,
    [
      ...process.execArgv,
      import.meta.filename,
      '--serve',
      '--acceptors',
      values.acceptors,
      '--work',
      values.work,
    ],
    { stdio: 'inherit' },
  );
  await sleep(800);
  const wrk = spawn(
    'wrk',
    ['-t1', `-c${values.connections}`, `-d${values.seconds}s`, `http://127.0.0.1:${PORT}/`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let wrkOut = '';
  wrk.stdout.on('data', (chunk: Buffer) => (wrkOut += chunk.toString()));
  const wrkDone = new Promise((resolve) => wrk.once('close', resolve));
  const started = performance.now();
  await sleep(1_000);
  const probes: string[] = [];
  while (performance.now() - started < Number(values.seconds) * 1000 - 500) {
    const sent = performance.now();
    const line = await new Promise<string>((resolve) => {
      let connectMs = NaN;
      const req = request(
        { port: PORT, host: '127.0.0.1', path: '/livez', agent: false, timeout: 15_000 },
        (res) => {
          res.resume();
          res.on('end', () =>
            resolve(
              `at ${((sent - started) / 1000).toFixed(1)} s: connected in ${connectMs.toFixed(1)} ms, answered in ${(performance.now() - sent).toFixed(0)} ms`,
            ),
          );
        },
      );
      req.on('socket', (s) => s.on('connect', () => (connectMs = performance.now() - sent)));
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve(`at ${((sent - started) / 1000).toFixed(1)} s: ${e.message}`));
      req.end();
    });
    probes.push(line);
    process.stdout.write(`probe ${line}\n`);
    await sleep(500);
  }
  await wrkDone;
  server.kill();
  process.stdout.write(
    wrkOut
      .split('\n')
      .filter((l) => /Requests\/sec|Socket errors|requests in/.test(l))
      .join('\n') + '\n',
  );
}
