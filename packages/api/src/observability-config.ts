/**
 * The metrics listener and tracing part of the configuration (README "Configuration");
 * loadConfig() puts it under `config.observability`.
 */
import { ConfigError, boolean, integer, oneOf, read } from './config.js';
import type {
  OtlpProtocol,
  PropagatorName,
  SamplerName,
  TraceExporterName,
  TracingConfig,
} from './platform/observability/tracing-config.js';

type Env = Record<string, string | undefined>;

export interface ObservabilityConfig {
  metrics: {
    /** METRICS_ENABLED: collect metrics and serve them on the metrics listener. */
    enabled: boolean;
    /** METRICS_HOST: interface of the metrics listener; loopback so the series are never public. */
    host: string;
    /** METRICS_PORT: port of the metrics listener (`GET /metrics`), separate from the API port. */
    port: number;
  };
  tracing: TracingConfig;
}

/** A comma-separated OTEL_* list of known values; `none` may only stand alone and means empty. */
function list<T extends string>(env: Env, name: string, fallback: T[], allowed: readonly T[]): T[] {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const values = [...new Set(raw.split(',').map((value) => value.trim()))];
  if (values.length === 1 && values[0] === 'none') return [];
  for (const value of values) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(
        name,
        `must be a comma-separated list of ${allowed.join(', ')} (or none alone), got "${raw}"`,
      );
    }
  }
  return values as T[];
}

/** OTEL_TRACES_SAMPLER_ARG: a probability between 0 and 1. */
function ratio(env: Env, name: string): number {
  const raw = read(env, name);
  if (raw === undefined) return 1;
  const value = Number(raw);
  if (!/^\d*\.?\d+$/.test(raw) || value > 1) {
    throw new ConfigError(name, `must be a number between 0 and 1, got "${raw}"`);
  }
  return value;
}

/**
 * OTEL_RESOURCE_ATTRIBUTES per the spec: `key1=value1,key2=value2`, values percent-encoded.
 * A malformed list stops the start rather than half-labelling every span.
 */
function resourceAttributes(env: Env): Record<string, string> {
  const raw = read(env, 'OTEL_RESOURCE_ATTRIBUTES');
  if (raw === undefined) return {};
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
}

/**
 * Tracing is on only when asked for (an exporter named, or an OTLP endpoint set), so an
 * unconfigured deploy sends spans nowhere. The rest follows the OpenTelemetry SDK environment
 * variable specification; values the spec allows but this build cannot honour (grpc, b3,
 * zipkin…) stop the start with a message rather than being silently ignored.
 */
function tracingConfig(env: Env): TracingConfig {
  const endpoint =
    read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const exporters = list<TraceExporterName>(
    env,
    'OTEL_TRACES_EXPORTER',
    endpoint === undefined ? [] : ['otlp'],
    ['otlp', 'console'],
  );
  const protocolVariable = read(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL')
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const serviceName =
    read(env, 'OTEL_SERVICE_NAME') ?? resourceAttributes(env)['service.name'] ?? 'steadfast-api';
  return {
    enabled: !boolean(env, 'OTEL_SDK_DISABLED', false) && exporters.length > 0,
    exporters,
    protocol: oneOf<OtlpProtocol>(env, protocolVariable, 'http/protobuf', [
      'http/protobuf',
      'http/json',
    ]),
    propagators: list<PropagatorName>(
      env,
      'OTEL_PROPAGATORS',
      ['tracecontext', 'baggage'],
      ['tracecontext', 'baggage'],
    ),
    sampler: oneOf<SamplerName>(env, 'OTEL_TRACES_SAMPLER', 'parentbased_always_on', [
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ]),
    samplerRatio: ratio(env, 'OTEL_TRACES_SAMPLER_ARG'),
    batch: {
      scheduledDelayMillis: integer(env, 'OTEL_BSP_SCHEDULE_DELAY', 5000, 0, 600_000),
      maxQueueSize: integer(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1, 1_000_000),
      maxExportBatchSize: Math.min(
        integer(env, 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE', 512, 1, 1_000_000),
        integer(env, 'OTEL_BSP_MAX_QUEUE_SIZE', 2048, 1, 1_000_000),
      ),
      exportTimeoutMillis: integer(env, 'OTEL_BSP_EXPORT_TIMEOUT', 30_000, 1, 600_000),
    },
    serviceName,
    resourceAttributes: resourceAttributes(env),
    trustInbound: boolean(env, 'TRACE_TRUST_INBOUND', false),
  };
}

export function loadObservabilityConfig(env: Env): ObservabilityConfig {
  const port = integer(env, 'METRICS_PORT', 9464, 0, 65535);
  if (port !== 0 && port === integer(env, 'PORT', 3000, 0, 65535)) {
    throw new ConfigError(
      'METRICS_PORT',
      'must differ from PORT: metrics are never served publicly',
    );
  }
  return {
    metrics: {
      enabled: boolean(env, 'METRICS_ENABLED', true),
      host: read(env, 'METRICS_HOST') ?? '127.0.0.1',
      port,
    },
    tracing: tracingConfig(env),
  };
}
