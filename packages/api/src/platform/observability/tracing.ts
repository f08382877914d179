import {
  ROOT_CONTEXT,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  trace,
  TraceFlags,
  type Context,
  type Link,
  type TextMapPropagator,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  CompositePropagator,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { SamplerName, TraceExporterName, TracingConfig } from '../../config/index.js';

/**
 * OpenTelemetry tracing, off unless OTEL_* asks for it. The provider is not registered globally:
 * each app owns its tracer (tests build several apps in one process), and code that makes spans
 * receives that tracer. Only the context manager is process-wide, as AsyncLocalStorage must be.
 */
export interface Tracing {
  tracer: Tracer;
  /**
   * The parent context and span links for an inbound request: its `traceparent` becomes the
   * parent only when trusted; otherwise a new trace starts with a link to the caller's span.
   */
  inbound(headers: Record<string, string | string[] | undefined>): {
    parent: Context;
    links: Link[];
  };
  /** Writes the active trace context into outbound headers (the processor call). */
  inject(headers: Record<string, string>): void;
  /** Flushes spans still buffered and stops the exporter. */
  shutdown(): Promise<void>;
}

let contextManagerInstalled = false;

function installContextManager() {
  if (contextManagerInstalled) return;
  contextManagerInstalled = context.setGlobalContextManager(
    new AsyncLocalStorageContextManager().enable(),
  );
}

function exporterFor(name: TraceExporterName, config: TracingConfig): SpanExporter {
  if (name === 'console') return new ConsoleSpanExporter();
  // Both OTLP exporters read OTEL_EXPORTER_OTLP_{,TRACES_}{ENDPOINT,HEADERS,TIMEOUT,COMPRESSION}.
  return config.protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtoExporter();
}

function samplerFor(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

function propagatorFor(config: TracingConfig): TextMapPropagator {
  return new CompositePropagator({
    propagators: config.propagators.map((name) =>
      name === 'baggage' ? new W3CBaggagePropagator() : new W3CTraceContextPropagator(),
    ),
  });
}

/** Reads only `traceparent`, for the span link of an untrusted caller. */
const traceContextOnly = new W3CTraceContextPropagator();

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
  const spanProcessors = options.exporter
    ? [new SimpleSpanProcessor({ exporter: options.exporter })]
    : config.exporters.map(
        (name) => new BatchSpanProcessor({ exporter: exporterFor(name, config), ...config.batch }),
      );
  const provider = new TracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      [ATTR_SERVICE_NAME]: config.serviceName,
      [ATTR_SERVICE_VERSION]: options.version,
    }),
    sampler: samplerFor(config.sampler, config.samplerRatio),
    spanProcessors,
  });
  const propagator = propagatorFor(config);
  return {
    tracer: provider.getTracer('steadfast-api', options.version),
    inbound(headers) {
      if (config.trustInbound) {
        return {
          parent: propagator.extract(ROOT_CONTEXT, headers, defaultTextMapGetter),
          links: [],
        };
      }
      const caller = trace.getSpanContext(
        traceContextOnly.extract(ROOT_CONTEXT, headers, defaultTextMapGetter),
      );
      return { parent: ROOT_CONTEXT, links: caller ? [{ context: caller }] : [] };
    },
    inject: (headers) => propagator.inject(context.active(), headers, defaultTextMapSetter),
    shutdown: () => provider.shutdown(),
  };
}

/** True when the span context's trace is being recorded and exported (the sampled flag). */
export function isSampled(traceFlags: number): boolean {
  return (traceFlags & TraceFlags.SAMPLED) !== 0;
}
