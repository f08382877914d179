/**
 * The idle flood of issue 20 §1, as a child process of bench/overload/run.ts: opens `--count` TCP
 * connections to 127.0.0.1:`--port` (spread round-robin over the `--from` source addresses), each
 * sends `GET /livez HTTP/1.1\r\nHost: x\r\n\r\n` once and then idles for `--hold` seconds. Prints
 * `FLOOD_OPEN` on stderr once every attempt has connected or failed, then one `FLOOD_RESULT {json}`
 * line on stdout: what each connection got. A separate process, so the flood's own work never
 * shows up in the probes' latency; several of them when one process's descriptor limit is too low.
 */
import { connect, type Socket } from 'node:net';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    count: { type: 'string' },
    from: { type: 'string', default: '127.0.0.1' },
    hold: { type: 'string', default: '20' },
    /** Connection attempts in progress at once. */
    parallel: { type: 'string', default: '500' },
  },
});
const port = Number(values.port);
const count = Number(values.count);
const sources = values.from.split(',');
const holdMs = Number(values.hold) * 1000;
const parallel = Number(values.parallel);

/** How a connection ended up, as the client saw it. */
type Outcome =
  | 'answered_200'
  | 'answered_other'
  | 'closed_after_answer'
  | 'closed_unanswered'
  | 'reset_unanswered'
  | 'connect_failed'
  | 'open_unanswered';

interface State {
  outcome: Outcome;
  startedAt: number;
  answeredMs?: number;
  error?: string;
}

const states: State[] = [];
const sockets: Socket[] = [];
const errors: Record<string, number> = {};
/** Answered 200, whatever happened to the connection afterwards. */
let answered200 = 0;

function open(index: number): Promise<void> {
  const state: State = { outcome: 'open_unanswered', startedAt: performance.now() };
  states.push(state);
  return new Promise((settle) => {
    let connected = false;
    let answered = false;
    const socket = connect({
      host: '127.0.0.1',
      port,
      localAddress: sources[index % sources.length],
    });
    sockets.push(socket);
    socket.setNoDelay(true);
    socket.once('connect', () => {
      connected = true;
      socket.write('GET /livez HTTP/1.1\r\nHost: x\r\n\r\n');
      settle();
    });
    socket.once('data', (chunk: Buffer) => {
      answered = true;
      state.answeredMs = performance.now() - state.startedAt;
      state.outcome =
        chunk.toString('latin1', 0, 12) === 'HTTP/1.1 200' ? 'answered_200' : 'answered_other';
      if (state.outcome === 'answered_200') answered200 += 1;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      errors[error.code ?? 'unknown'] = (errors[error.code ?? 'unknown'] ?? 0) + 1;
      if (!connected) {
        state.outcome = 'connect_failed';
        settle();
      } else if (!answered) state.outcome = 'reset_unanswered';
    });
    socket.once('close', () => {
      if (!connected) {
        state.outcome = 'connect_failed';
        settle();
        return;
      }
      if (answered) state.outcome = 'closed_after_answer';
      else if (state.outcome === 'open_unanswered') state.outcome = 'closed_unanswered';
    });
  });
}

let next = 0;
const worker = async () => {
  while (next < count) await open(next++);
};
const openStarted = performance.now();
await Promise.all(Array.from({ length: Math.min(parallel, count) }, worker));
const openSeconds = (performance.now() - openStarted) / 1000;
process.stderr.write(`FLOOD_OPEN ${count} in ${openSeconds.toFixed(1)} s\n`);
await new Promise((resolve) => setTimeout(resolve, holdMs));

const outcomes: Record<string, number> = {};
for (const state of states) outcomes[state.outcome] = (outcomes[state.outcome] ?? 0) + 1;
const answerMs = states
  .map((s) => s.answeredMs)
  .filter((ms): ms is number => ms !== undefined)
  .sort((a, b) => a - b);
const pick = (q: number) => Math.round(answerMs[Math.floor(q * (answerMs.length - 1))] ?? NaN);
process.stdout.write(
  `FLOOD_RESULT ${JSON.stringify({
    attempted: count,
    sources,
    openSeconds,
    outcomes,
    answered200,
    errors,
    answerMs: { p50: pick(0.5), p99: pick(0.99), max: pick(1) },
  })}\n`,
);
for (const socket of sockets) socket.destroy();
process.exit(0);
