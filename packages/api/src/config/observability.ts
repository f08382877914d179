/**
 * The metrics listener and OpenTelemetry tracing. The OpenTelemetry SDK 3.x no longer reads the
 * OTEL_* environment itself (only the OTLP exporter still reads its endpoint, headers, timeout and
 * compression), so the spec's variables are declared here. Tracing is on only when asked for (an
 * exporter named, or an OTLP endpoint set); values the spec allows but this build cannot honour
 * (grpc, b3, zipkin…) stop the start with a message rather than being silently ignored.
 */
import { boolean, ConfigError, integer, oneOf, text, type Env } from './entry.js';
import { PORT } from './server.js';

export type TraceExporterName = 'otlp' | 'console';
export type OtlpProtocol = 'http/protobuf' | 'http/json';
export type PropagatorName = 'tracecontext' | 'baggage';
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';

export const METRICS_ENABLED = boolean('METRICS_ENABLED', {
  default: true,
  doc: 'Collect Prometheus metrics and serve them on the metrics listener. `false` registers no metric hooks at all.',
});

export const METRICS_HOST = text('METRICS_HOST', {
  default: '127.0.0.1',
  doc: 'Interface of the metrics listener. Loopback by default: the series name routes, error codes and volumes, so they are never public.',
});

export const LIVENESS_STALL_MS = integer('LIVENESS_STALL_MS', {
  default: 30_000,
  min: 1_000,
  max: 600_000,
  doc: '`/livez` on the metrics listener answers `503` once the event loop has not turned for this long: a wedged process gets restarted, a merely busy one keeps answering `200` (the listener has a thread of its own). See [operations](docs/operations.md#probes-under-overload).',
});

export const METRICS_PORT = integer('METRICS_PORT', {
  default: 9464,
  min: 0,
  max: 65535,
  doc: 'Port of the metrics listener (`GET /metrics`, Prometheus text format). Must differ from `PORT`: the API port never serves metrics.',
});

/** A comma-separated OTEL_* list of known values; `none` may only stand alone and means empty. */
function list<T extends string>(name: string, values: readonly T[]) {
  return (raw: string): T[] => {
    const items = [...new Set(raw.split(',').map((value) => value.trim()))];
    if (items.length === 1 && items[0] === 'none') return [];
    for (const item of items) {
      if (!(values as readonly string[]).includes(item)) {
        throw new ConfigError(
          name,
          `must be a comma-separated list of ${values.join(', ')} (or none alone), got "${raw}"`,
        );
      }
    }
    return items as T[];
  };
}

export const OTEL_EXPORTER_OTLP_ENDPOINT = text('OTEL_EXPORTER_OTLP_ENDPOINT', {
  type: 'URL',
  doc: 'OTLP/HTTP collector base URL (e.g. `http://127.0.0.1:4318`); setting it turns tracing on. The exporter also reads the other standard `OTEL_EXPORTER_OTLP_*` variables (headers, timeout, compression) itself.',
});

export const OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = text('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', {
  type: 'URL',
  doc: 'The traces endpoint in full; wins over `OTEL_EXPORTER_OTLP_ENDPOINT` and also turns tracing on.',
});

const endpoint = (env: Env) =>
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.read(env) ?? OTEL_EXPORTER_OTLP_ENDPOINT.read(env);

export const OTEL_TRACES_EXPORTER = text('OTEL_TRACES_EXPORTER', {
  type: 'list of `otlp`, `console`, or `none`',
  default: (env): TraceExporterName[] => (endpoint(env) === undefined ? [] : ['otlp']),
  defaultText: '`none` (`otlp` when an endpoint is set)',
  parse: list<TraceExporterName>('OTEL_TRACES_EXPORTER', ['otlp', 'console']),
  doc: '`otlp` sends traces over OTLP/HTTP, `console` prints them; `none` (alone) turns tracing off (no hooks, no spans). Other exporters (zipkin, jaeger) are refused at start.',
});

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;

export const OTEL_EXPORTER_OTLP_PROTOCOL = oneOf<OtlpProtocol>('OTEL_EXPORTER_OTLP_PROTOCOL', {
  values: PROTOCOLS,
  default: 'http/protobuf',
  doc: '`grpc` is refused at start (not built in).',
});

export const OTEL_EXPORTER_OTLP_TRACES_PROTOCOL = oneOf<OtlpProtocol>(
  'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL',
  {
    values: PROTOCOLS,
    defaultText: '`OTEL_EXPORTER_OTLP_PROTOCOL`',
    doc: 'Wins over `OTEL_EXPORTER_OTLP_PROTOCOL`.',
  },
);

export const OTEL_SERVICE_NAME = text('OTEL_SERVICE_NAME', {
  defaultText: '`steadfast-api`',
  doc: 'The `service.name` of every span; wins over a `service.name` in `OTEL_RESOURCE_ATTRIBUTES`.',
});

/** Per the spec: `key1=value1,key2=value2`, values percent-encoded; malformed stops the start. */
export const OTEL_RESOURCE_ATTRIBUTES = text<Record<string, string>>('OTEL_RESOURCE_ATTRIBUTES', {
  type: '`key=value,…`',
  default: () => ({}),
  defaultText: 'unset',
  parse: (raw) => {
    const attributes: Record<string, string> = {};
    for (const pair of raw.split(',')) {
      const separator = pair.indexOf('=');
      const key = pair.slice(0, separator).trim();
      if (separator <= 0 || key === '') {
        throw new ConfigError('OTEL_RESOURCE_ATTRIBUTES', `must be key=value pairs, got "${pair}"`);
      }
      try {
        attributes[key] = decodeURIComponent(pair.slice(separator + 1).trim());
      } catch {
        throw new ConfigError(
          'OTEL_RESOURCE_ATTRIBUTES',
          `has a malformed percent-encoding in "${key}"`,
        );
      }
    }
    return attributes;
  },
  doc: 'Values percent-encoded; merged into the resource of every span, e.g. `deployment.environment.name=staging`.',
});

export const OTEL_PROPAGATORS = text('OTEL_PROPAGATORS', {
  type: 'list of `tracecontext`, `baggage`, or `none`',
  default: (): PropagatorName[] => ['tracecontext', 'baggage'],
  defaultText: '`tracecontext,baggage`',
  parse: list<PropagatorName>('OTEL_PROPAGATORS', ['tracecontext', 'baggage']),
  doc: 'W3C propagators used inbound (when trusted) and towards the payment processor; `none` for neither. Others (b3, jaeger) are refused at start.',
});

export const OTEL_TRACES_SAMPLER = oneOf<SamplerName>('OTEL_TRACES_SAMPLER', {
  values: [
    'always_on',
    'always_off',
    'traceidratio',
    'parentbased_always_on',
    'parentbased_always_off',
    'parentbased_traceidratio',
  ],
  default: 'parentbased_always_on',
  doc: 'The standard OpenTelemetry sampler, e.g. `parentbased_traceidratio` with `OTEL_TRACES_SAMPLER_ARG=0.1`.',
});

export const OTEL_TRACES_SAMPLER_ARG = text('OTEL_TRACES_SAMPLER_ARG', {
  type: 'number 0–1',
  default: 1,
  parse: (raw) => {
    const value = Number(raw);
    if (!/^\d*\.?\d+$/.test(raw) || value > 1) {
      throw new ConfigError(
        'OTEL_TRACES_SAMPLER_ARG',
        `must be a number between 0 and 1, got "${raw}"`,
      );
    }
    return value;
  },
  doc: 'The ratio of the `traceidratio` samplers.',
});

export const OTEL_SDK_DISABLED = boolean('OTEL_SDK_DISABLED', {
  default: false,
  doc: '`true` forces tracing off whatever else is set.',
});

export const OTEL_BSP_SCHEDULE_DELAY = integer('OTEL_BSP_SCHEDULE_DELAY', {
  default: 5000,
  min: 0,
  max: 600_000,
  doc: 'Delay between two exports of the batch span processor, in ms.',
});

export const OTEL_BSP_MAX_QUEUE_SIZE = integer('OTEL_BSP_MAX_QUEUE_SIZE', {
  default: 2048,
  min: 1,
  max: 1_000_000,
  doc: 'Most spans queued for export; more are dropped.',
});

export const OTEL_BSP_MAX_EXPORT_BATCH_SIZE = integer('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', {
  default: 512,
  min: 1,
  max: 1_000_000,
  doc: 'Most spans per export; capped at `OTEL_BSP_MAX_QUEUE_SIZE`.',
});

export const OTEL_BSP_EXPORT_TIMEOUT = integer('OTEL_BSP_EXPORT_TIMEOUT', {
  default: 30_000,
  min: 1,
  max: 600_000,
  doc: 'Longest one export may take, in ms.',
});

export const TRACE_TRUST_INBOUND = boolean('TRACE_TRUST_INBOUND', {
  default: false,
  doc: "`true` continues an inbound `traceparent` (and accepts its `tracestate` and baggage) as the parent of the server span. Off by default: a client on the internet does not choose our trace ids or sampling, so the request starts a new trace with a span link to the caller's ([operations](docs/operations.md#tracing-and-inbound-trace-context)).",
});

export const observabilityEntries = [
  METRICS_ENABLED,
  METRICS_HOST,
  METRICS_PORT,
  LIVENESS_STALL_MS,
  OTEL_TRACES_EXPORTER,
  OTEL_EXPORTER_OTLP_ENDPOINT,
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
  OTEL_EXPORTER_OTLP_PROTOCOL,
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
  OTEL_SERVICE_NAME,
  OTEL_RESOURCE_ATTRIBUTES,
  OTEL_PROPAGATORS,
  OTEL_TRACES_SAMPLER,
  OTEL_TRACES_SAMPLER_ARG,
  OTEL_SDK_DISABLED,
  OTEL_BSP_SCHEDULE_DELAY,
  OTEL_BSP_MAX_QUEUE_SIZE,
  OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
  OTEL_BSP_EXPORT_TIMEOUT,
  TRACE_TRUST_INBOUND,
];

function loadTracing(env: Env) {
  const exporters = OTEL_TRACES_EXPORTER.read(env);
  const resourceAttributes = OTEL_RESOURCE_ATTRIBUTES.read(env);
  const maxQueueSize = OTEL_BSP_MAX_QUEUE_SIZE.read(env);
  return {
    enabled: !OTEL_SDK_DISABLED.read(env) && exporters.length > 0,
    exporters,
    protocol: OTEL_EXPORTER_OTLP_TRACES_PROTOCOL.read(env) ?? OTEL_EXPORTER_OTLP_PROTOCOL.read(env),
    propagators: OTEL_PROPAGATORS.read(env),
    sampler: OTEL_TRACES_SAMPLER.read(env),
    samplerRatio: OTEL_TRACES_SAMPLER_ARG.read(env),
    batch: {
      scheduledDelayMillis: OTEL_BSP_SCHEDULE_DELAY.read(env),
      maxQueueSize,
      maxExportBatchSize: Math.min(OTEL_BSP_MAX_EXPORT_BATCH_SIZE.read(env), maxQueueSize),
      exportTimeoutMillis: OTEL_BSP_EXPORT_TIMEOUT.read(env),
    },
    serviceName:
      OTEL_SERVICE_NAME.read(env) ?? resourceAttributes['service.name'] ?? 'steadfast-api',
    resourceAttributes,
    trustInbound: TRACE_TRUST_INBOUND.read(env),
  };
}

/** What tracing (platform/observability/tracing.ts) needs from the configuration. */
export type TracingConfig = ReturnType<typeof loadTracing>;

export function loadObservability(env: Env) {
  const port = METRICS_PORT.read(env);
  if (port !== 0 && port === PORT.read(env)) {
    throw new ConfigError(
      'METRICS_PORT',
      'must differ from PORT: metrics are never served publicly',
    );
  }
  return {
    metrics: {
      enabled: METRICS_ENABLED.read(env),
      host: METRICS_HOST.read(env),
      port,
      livenessStallMs: LIVENESS_STALL_MS.read(env),
    },
    tracing: loadTracing(env),
  };
}

export type ObservabilityConfig = ReturnType<typeof loadObservability>;
