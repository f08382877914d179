/** What tracing needs from the configuration; the OTLP exporter reads its own OTEL_EXPORTER_OTLP_*. */
export interface TracingConfig {
  /** OTEL_TRACES_EXPORTER (otlp, console, none; otlp when an OTLP endpoint is set) and OTEL_SDK_DISABLED. */
  enabled: boolean;
  exporter: 'otlp' | 'console';
  /** OTEL_SERVICE_NAME: the service.name resource attribute. */
  serviceName: string;
}
