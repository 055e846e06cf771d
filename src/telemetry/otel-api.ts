import { createRequire } from 'node:module';
import type * as OtelApi from '@opentelemetry/api';

export type Otel = typeof OtelApi;

/**
 * `@opentelemetry/api` is an optional peer: it is loaded only when an app has registered an
 * OpenTelemetry SDK, which the API records on a process-wide symbol. That check is all the
 * client pays without one: no import, no channel subscription, no span.
 */
export function registeredOtel(): Otel | undefined {
  const global = (globalThis as Record<symbol, { trace?: unknown; metrics?: unknown } | undefined>)[
    Symbol.for('opentelemetry.js.api.1')
  ];
  if (!global?.trace && !global?.metrics) return undefined;
  try {
    // Synchronous, so the first login is already recorded; `require` in the CommonJS build.
    const load = typeof require === 'function' ? require : createRequire(import.meta.url);
    return load('@opentelemetry/api') as Otel;
  } catch {
    return undefined;
  }
}
