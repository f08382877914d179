/** Request-shape limits, connection caps and load shedding: how the API protects itself. */
import { integer, type Env } from './entry.js';

export const BODY_LIMIT_BYTES = integer('BODY_LIMIT_BYTES', {
  default: 100 * 1024,
  defaultText: '`102400` (100 KiB)',
  min: 1024,
  max: 10 * 1024 * 1024,
  doc: 'Largest accepted request body; a larger one answers `413 payload_too_large`.',
});

export const MAX_HEADER_BYTES = integer('MAX_HEADER_BYTES', {
  // Node's own default; stated here so the limit is visible and tunable.
  default: 16 * 1024,
  defaultText: "`16384` (16 KiB, Node's default)",
  min: 1024,
  max: 1024 * 1024,
  doc: 'Largest size of all request headers together; larger answers `431 request_header_fields_too_large`.',
});

export const JSON_MAX_DEPTH = integer('JSON_MAX_DEPTH', {
  default: 20,
  min: 2,
  max: 1000,
  doc: 'Deepest nesting of objects and arrays in a JSON body; deeper answers `400 json_too_deep`.',
});

export const MAX_QUERY_PARAMS = integer('MAX_QUERY_PARAMS', {
  default: 30,
  min: 1,
  max: 1000,
  doc: 'Most query parameters in one request; more answers `400 validation_failed`.',
});

export const MAX_CONNECTIONS = integer('MAX_CONNECTIONS', {
  default: 0,
  defaultText: '`0` (derived)',
  min: 0,
  max: 10_000_000,
  doc: 'Open client connections at most; the excess is closed at accept. `0` derives it from `ulimit -n` minus a reserve (a tenth, at least 100, plus `DB_POOL_MAX`); a larger value is capped there too. Stated in the start-up line. See [operations](docs/operations.md#connection-caps).',
});

export const MAX_CONNECTIONS_PER_ADDRESS = integer('MAX_CONNECTIONS_PER_ADDRESS', {
  default: 0,
  defaultText: '`0` (derived)',
  min: 0,
  max: 10_000_000,
  doc: 'Open connections per client address (IPv6: per /64). `0`: a quarter of `MAX_CONNECTIONS`, or all of it when `TRUST_PROXY` is set (every connection then comes from the proxy).',
});

// Node's default is 511: a burst of new connections while the loop is busy overflows it, and a
// dropped handshake costs the client a 1 s, then 3 s, SYN retransmission (issue 20).
export const LISTEN_BACKLOG = integer('LISTEN_BACKLOG', {
  default: 4096,
  min: 1,
  max: 65_535,
  doc: 'Connections the kernel completes before the process accepts them (the kernel caps it at `net.core.somaxconn`). Node accepts one connection per event-loop turn, so a burst of new connections waits here; too small a queue drops handshakes, which clients retry only after 1 s, then 3 s.',
});

export const LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS = integer('LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS', {
  default: 1000,
  min: 0,
  max: 60_000,
  doc: 'Mean event-loop delay over one sample above which requests are shed with `503` (`0` turns it off). See [Security](#security).',
});

export const LOAD_SHED_MAX_HEAP_USED_BYTES = integer('LOAD_SHED_MAX_HEAP_USED_BYTES', {
  default: 0,
  defaultText: '`0` (off)',
  min: 0,
  max: 2 ** 40,
  doc: 'V8 heap in use above which requests are shed.',
});

export const LOAD_SHED_MAX_RSS_BYTES = integer('LOAD_SHED_MAX_RSS_BYTES', {
  default: 0,
  defaultText: '`0` (off)',
  min: 0,
  max: 2 ** 40,
  doc: 'Resident memory above which requests are shed.',
});

export const LOAD_SHED_SAMPLE_INTERVAL_MS = integer('LOAD_SHED_SAMPLE_INTERVAL_MS', {
  default: 1000,
  min: 10,
  max: 60_000,
  doc: 'How often the process measures its event-loop delay and memory.',
});

export const LOAD_SHED_MAX_QUEUE_MS = integer('LOAD_SHED_MAX_QUEUE_MS', {
  default: 100,
  min: 0,
  max: 60_000,
  doc: 'Longest a request may wait behind the others of one event-loop turn before it is refused with `503` (`0` turns it off). See [operations](docs/operations.md#how-load-shedding-decides).',
});

export const LOAD_SHED_OVERLOAD_QUEUE_MS = integer('LOAD_SHED_OVERLOAD_QUEUE_MS', {
  default: 20,
  min: 1,
  max: 60_000,
  doc: 'The stricter bound on the same wait for `LOAD_SHED_OVERLOAD_HOLD_MS` once requests waited over `LOAD_SHED_MAX_QUEUE_MS` in two event-loop turns within the hold (a flood, not one slow turn): in a flood, refusals come in tens of milliseconds and event-loop turns stay short. See [operations](docs/operations.md#how-load-shedding-decides).',
});

export const LOAD_SHED_OVERLOAD_HOLD_MS = integer('LOAD_SHED_OVERLOAD_HOLD_MS', {
  default: 1000,
  min: 0,
  max: 60_000,
  doc: 'How long the stricter `LOAD_SHED_OVERLOAD_QUEUE_MS` applies once two turns exceeded `LOAD_SHED_MAX_QUEUE_MS` within this time (`0`: never). It is not extended while it runs, so it cannot latch.',
});

export const LOAD_SHED_CONCURRENCY_MAX = integer('LOAD_SHED_CONCURRENCY_MAX', {
  default: 1000,
  min: 0,
  max: 100_000,
  doc: 'Upper bound of the adaptive limit on requests in flight (`0` turns the limit off); it starts at 32 and follows measured latency.',
});

export const LOAD_SHED_CONCURRENCY_MIN = integer('LOAD_SHED_CONCURRENCY_MIN', {
  default: 8,
  min: 1,
  max: 100_000,
  doc: 'Lower bound of the adaptive in-flight limit.',
});

export const LOAD_SHED_CONCURRENCY_TOLERATED_MS = integer('LOAD_SHED_CONCURRENCY_TOLERATED_MS', {
  default: 100,
  min: 0,
  max: 60_000,
  doc: 'Mean latency of admitted requests (over a window of 20) at or below which the adaptive in-flight limit never shrinks: a busy server answering that fast is not refused for it (`0`: the limit follows relative latency alone). See [operations](docs/operations.md#how-load-shedding-decides).',
});

export const limitEntries = [
  BODY_LIMIT_BYTES,
  MAX_HEADER_BYTES,
  JSON_MAX_DEPTH,
  MAX_QUERY_PARAMS,
  MAX_CONNECTIONS,
  MAX_CONNECTIONS_PER_ADDRESS,
  LISTEN_BACKLOG,
  LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS,
  LOAD_SHED_MAX_HEAP_USED_BYTES,
  LOAD_SHED_MAX_RSS_BYTES,
  LOAD_SHED_SAMPLE_INTERVAL_MS,
  LOAD_SHED_MAX_QUEUE_MS,
  LOAD_SHED_OVERLOAD_QUEUE_MS,
  LOAD_SHED_OVERLOAD_HOLD_MS,
  LOAD_SHED_CONCURRENCY_MAX,
  LOAD_SHED_CONCURRENCY_MIN,
  LOAD_SHED_CONCURRENCY_TOLERATED_MS,
];

export function loadLimits(env: Env) {
  return {
    bodyLimitBytes: BODY_LIMIT_BYTES.read(env),
    limits: {
      maxHeaderBytes: MAX_HEADER_BYTES.read(env),
      jsonMaxDepth: JSON_MAX_DEPTH.read(env),
      maxQueryParams: MAX_QUERY_PARAMS.read(env),
    },
    connections: {
      maxConnections: MAX_CONNECTIONS.read(env),
      maxConnectionsPerAddress: MAX_CONNECTIONS_PER_ADDRESS.read(env),
      listenBacklog: LISTEN_BACKLOG.read(env),
    },
    loadShedding: {
      maxEventLoopDelayMs: LOAD_SHED_MAX_EVENT_LOOP_DELAY_MS.read(env),
      maxHeapUsedBytes: LOAD_SHED_MAX_HEAP_USED_BYTES.read(env),
      maxRssBytes: LOAD_SHED_MAX_RSS_BYTES.read(env),
      sampleIntervalMs: LOAD_SHED_SAMPLE_INTERVAL_MS.read(env),
      maxQueueMs: LOAD_SHED_MAX_QUEUE_MS.read(env),
      overloadQueueMs: LOAD_SHED_OVERLOAD_QUEUE_MS.read(env),
      overloadHoldMs: LOAD_SHED_OVERLOAD_HOLD_MS.read(env),
      concurrencyMin: LOAD_SHED_CONCURRENCY_MIN.read(env),
      concurrencyMax: LOAD_SHED_CONCURRENCY_MAX.read(env),
      concurrencyToleratedMs: LOAD_SHED_CONCURRENCY_TOLERATED_MS.read(env),
    },
  };
}
