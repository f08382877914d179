/**
 * What tracing needs from the configuration. The OpenTelemetry SDK 3.x no longer reads the
 * OTEL_* environment itself (only the OTLP exporter still reads its endpoint, headers, timeout
 * and compression), so the configuration loader maps the spec's variables onto this shape.
 */
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

export interface TracingConfig {
  /** Off when OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none (the default without an endpoint). */
  enabled: boolean;
  /** OTEL_TRACES_EXPORTER: a comma-separated list of otlp, console (or none). */
  exporters: TraceExporterName[];
  /** OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL; http/protobuf by default. */
  protocol: OtlpProtocol;
  /** OTEL_PROPAGATORS: tracecontext and/or baggage (both by default), or none. */
  propagators: PropagatorName[];
  /** OTEL_TRACES_SAMPLER; parentbased_always_on by default, as the spec says. */
  sampler: SamplerName;
  /** OTEL_TRACES_SAMPLER_ARG: the ratio of the traceidratio samplers, 0 to 1 (default 1). */
  samplerRatio: number;
  /** OTEL_BSP_*: the batch span processor's delay, queue, batch size and export timeout. */
  batch: {
    scheduledDelayMillis: number;
    maxQueueSize: number;
    maxExportBatchSize: number;
    exportTimeoutMillis: number;
  };
  /** OTEL_SERVICE_NAME: the service.name resource attribute; wins over OTEL_RESOURCE_ATTRIBUTES. */
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES: key=value pairs merged into the resource. */
  resourceAttributes: Record<string, string>;
  /**
   * TRACE_TRUST_INBOUND: continue an inbound `traceparent` as our parent (and accept its
   * `tracestate` and baggage). Off by default: an internet client does not get to choose our
   * trace id or sampling decision, so we start a new trace and link to theirs.
   */
  trustInbound: boolean;
}
