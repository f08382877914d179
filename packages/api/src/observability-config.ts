/**
 * The metrics listener and tracing part of the configuration (README "Configuration");
 * loadConfig() puts it under `config.observability`.
 */
import { ConfigError, boolean, integer, oneOf, read } from './config.js';
import type { TracingConfig } from './platform/observability/tracing-config.js';

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

/** Tracing is on only when asked for, so an unconfigured deploy sends spans nowhere. */
function tracingConfig(env: Env): TracingConfig {
  const endpoint =
    read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT') ?? read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const exporter = oneOf(env, 'OTEL_TRACES_EXPORTER', endpoint === undefined ? 'none' : 'otlp', [
    'otlp',
    'console',
    'none',
  ] as const);
  const disabled = boolean(env, 'OTEL_SDK_DISABLED', false);
  return {
    enabled: !disabled && exporter !== 'none',
    exporter: exporter === 'console' ? 'console' : 'otlp',
    serviceName: read(env, 'OTEL_SERVICE_NAME') ?? 'steadfast-api',
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
