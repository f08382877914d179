import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const tracing = (env: Record<string, string>) =>
  loadConfig({ NODE_ENV: 'test', ...env }).observability.tracing;

/** The OpenTelemetry SDK environment variables, as the specification defines them. */
describe('OTEL_* environment variables', () => {
  it('is off without an exporter or endpoint, with the spec defaults otherwise', () => {
    expect(tracing({}).enabled).toBe(false);
    expect(tracing({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toMatchObject({
      enabled: true,
      exporters: ['otlp'],
      protocol: 'http/protobuf',
      propagators: ['tracecontext', 'baggage'],
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      trustInbound: false,
    });
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }).enabled).toBe(
      false,
    );
  });

  it('reads comma-separated exporter and propagator lists; none alone means empty', () => {
    expect(tracing({ OTEL_TRACES_EXPORTER: 'otlp, console' }).exporters).toEqual([
      'otlp',
      'console',
    ]);
    expect(tracing({ OTEL_TRACES_EXPORTER: 'none' }).enabled).toBe(false);
    expect(tracing({ OTEL_PROPAGATORS: 'tracecontext' }).propagators).toEqual(['tracecontext']);
    expect(tracing({ OTEL_PROPAGATORS: 'none' }).propagators).toEqual([]);
    for (const env of <Record<string, string>[]>[
      { OTEL_TRACES_EXPORTER: 'zipkin' },
      { OTEL_TRACES_EXPORTER: 'otlp,none' },
      { OTEL_PROPAGATORS: 'b3' },
    ]) {
      expect(() => tracing(env), JSON.stringify(env)).toThrow(ConfigError);
    }
  });

  it('takes the signal-specific protocol over the general one, and refuses grpc', () => {
    expect(tracing({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }).protocol).toBe('http/json');
    expect(
      tracing({
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
      }).protocol,
    ).toBe('http/protobuf');
    expect(() => tracing({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(/http\/protobuf/);
  });

  it('reads the sampler and its ratio, refusing a ratio outside 0..1', () => {
    expect(
      tracing({ OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }),
    ).toMatchObject({ sampler: 'parentbased_traceidratio', samplerRatio: 0.1 });
    for (const arg of ['1.5', '-0.1', 'half', 'Infinity']) {
      expect(() => tracing({ OTEL_TRACES_SAMPLER_ARG: arg }), arg).toThrow(ConfigError);
    }
    expect(() => tracing({ OTEL_TRACES_SAMPLER: 'sometimes' })).toThrow(ConfigError);
  });

  it('merges OTEL_RESOURCE_ATTRIBUTES, percent-decoded; OTEL_SERVICE_NAME wins for service.name', () => {
    const config = tracing({
      OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs,team=pay%20ments',
    });
    expect(config.resourceAttributes).toEqual({ 'service.name': 'from-attrs', team: 'pay ments' });
    expect(config.serviceName).toBe('from-attrs');
    expect(
      tracing({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attrs', OTEL_SERVICE_NAME: 'svc' })
        .serviceName,
    ).toBe('svc');
    expect(() => tracing({ OTEL_RESOURCE_ATTRIBUTES: 'novalue' })).toThrow(ConfigError);
    expect(() => tracing({ OTEL_RESOURCE_ATTRIBUTES: 'k=%E0%A4%A' })).toThrow(ConfigError);
  });

  it('trusts an inbound trace only when TRACE_TRUST_INBOUND says so', () => {
    expect(tracing({ TRACE_TRUST_INBOUND: 'true' }).trustInbound).toBe(true);
  });
});
