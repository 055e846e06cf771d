/**
 * OpenTelemetry: register an SDK before creating the client and it records a span per Vault call
 * and `vault.client.*` metrics. Here the SDK exports to memory so the example can print what it
 * got; a service would use an OTLP exporter instead. Run: `npx tsx examples/opentelemetry.ts`.
 */
import { metrics, trace } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { connect, isMain } from './support/vault';

export interface TelemetrySeen {
  spans: { name: string; attributes: Record<string, unknown>; error: boolean }[];
  metrics: Map<string, { attributes: Record<string, unknown>; value: unknown }[]>;
}

export async function main(log: (line: string) => void = console.log): Promise<TelemetrySeen> {
  const spanExporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spanExporter)] });
  const metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({
    exporter: metricExporter,
    exportIntervalMillis: 3_600_000,
  });
  const meterProvider = new MeterProvider({ readers: [reader] });
  // The SDK first, the client after: the client checks for it once, when it is created.
  trace.setGlobalTracerProvider(tracerProvider);
  metrics.setGlobalMeterProvider(meterProvider);
  try {
    const vault = await connect();
    try {
      await vault.client.secret('secret/data/myapp/config');
      await vault.client.secret('database/creds/app');
      await vault.client.read('secret/data/myapp/missing').catch(() => undefined);
    } finally {
      await reader.forceFlush();
      await vault.close();
    }
    const seen: TelemetrySeen = {
      spans: spanExporter.getFinishedSpans().map((s) => ({
        name: s.name,
        attributes: { ...s.attributes },
        error: s.status.code === 2,
      })),
      metrics: new Map(),
    };
    for (const resource of metricExporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) {
          seen.metrics.set(
            metric.descriptor.name,
            metric.dataPoints.map((p) => ({ attributes: { ...p.attributes }, value: p.value })),
          );
        }
      }
    }
    for (const span of seen.spans) log(`span ${span.name}${span.error ? ' (error)' : ''}`);
    for (const [name, points] of seen.metrics) log(`metric ${name}: ${points.length} series`);
    return seen;
  } finally {
    trace.disable();
    metrics.disable();
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  }
}

if (isMain(import.meta.url)) await main();
