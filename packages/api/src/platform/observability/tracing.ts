import {
  ROOT_CONTEXT,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  type Context,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from './tracing-config.js';

/**
 * OpenTelemetry tracing, off unless OTEL_* asks for it. The provider is not registered globally:
 * each app owns its tracer (tests build several apps in one process), and code that makes spans
 * receives that tracer. Only the context manager is process-wide, as AsyncLocalStorage must be.
 */
export interface Tracing {
  tracer: Tracer;
  /** Reads `traceparent`/`tracestate` from inbound headers into a context. */
  extract(headers: Record<string, string | string[] | undefined>): Context;
  /** Writes the active trace context into outbound headers (the processor call). */
  inject(headers: Record<string, string>): void;
  /** Flushes spans still buffered and stops the exporter. */
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();
let contextManagerInstalled = false;

function installContextManager() {
  if (contextManagerInstalled) return;
  contextManagerInstalled = context.setGlobalContextManager(
    new AsyncLocalStorageContextManager().enable(),
  );
}

function exporterFor(config: TracingConfig): SpanExporter {
  // The OTLP exporter reads OTEL_EXPORTER_OTLP_{,TRACES_}{ENDPOINT,HEADERS,TIMEOUT} itself.
  return config.exporter === 'console' ? new ConsoleSpanExporter() : new OTLPTraceExporter();
}

/**
 * Builds the tracer when tracing is enabled (or a test supplies an exporter); undefined otherwise,
 * so a disabled build registers no hooks and creates no spans at all.
 */
export function createTracing(
  config: TracingConfig,
  options: { version: string; exporter?: SpanExporter },
): Tracing | undefined {
  if (!config.enabled && options.exporter === undefined) return undefined;
  installContextManager();
  // A test's in-memory exporter is flushed synchronously so assertions see every span.
  const processor = options.exporter
    ? new SimpleSpanProcessor(options.exporter)
    : new BatchSpanProcessor(exporterFor(config));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_SERVICE_VERSION]: options.version,
    }),
    spanProcessors: [processor],
  });
  return {
    tracer: provider.getTracer('steadfast-api', options.version),
    extract: (headers) => propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter),
    inject: (headers) => propagator.inject(context.active(), headers, defaultTextMapSetter),
    shutdown: () => provider.shutdown(),
  };
}

/** The trace id of the active span, if any (log lines and problem bodies quote it). */
export function activeTraceId(): string | undefined {
  return trace.getSpan(context.active())?.spanContext().traceId;
}
