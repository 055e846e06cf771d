import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { Attributes, Histogram, Span, Tracer } from '@opentelemetry/api';
import { REQUEST_END, REQUEST_START, type RequestEnd, type RequestStart } from './channels';
import type { Otel } from './otel-api';
import { routeTemplate } from './route-template';

/** Spans whose end never came (a publisher that died mid-call) are dropped past this many. */
const MAX_OPEN_SPANS = 10_000;

interface Recorder {
  otel: Otel;
  tracer: Tracer;
  duration: Histogram;
  spans: Map<string, Span>;
  /** Addresses of the clients using telemetry, counted: `server.*` is set only when there is one. */
  servers: Map<string, number>;
  onStart: (message: unknown) => void;
  onEnd: (message: unknown) => void;
}

let recorder: Recorder | undefined;

/**
 * One span per Vault HTTP attempt and the request-duration histogram, from the transport's
 * channels. The channels are process-wide and their messages do not say which client sent them,
 * so there is one subscriber for the process, shared by every client with telemetry on and
 * removed with the last of them (the transport then builds no messages at all).
 */
export function useRequestTelemetry(otel: Otel, address: string): () => void {
  recorder ??= start(otel);
  const r = recorder;
  r.servers.set(address, (r.servers.get(address) ?? 0) + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (r.servers.get(address) ?? 1) - 1;
    if (left > 0) r.servers.set(address, left);
    else r.servers.delete(address);
    if (r.servers.size === 0 && recorder === r) {
      unsubscribe(REQUEST_START, r.onStart);
      unsubscribe(REQUEST_END, r.onEnd);
      for (const span of r.spans.values()) span.end();
      r.spans.clear();
      recorder = undefined;
    }
  };
}

function start(otel: Otel): Recorder {
  const r: Recorder = {
    otel,
    tracer: otel.trace.getTracer('vault-kubernetes-client'),
    duration: otel.metrics
      .getMeter('vault-kubernetes-client')
      .createHistogram('vault.client.request.duration', {
        description: 'Duration of Vault HTTP requests, one per attempt',
        unit: 's',
      }),
    spans: new Map(),
    servers: new Map(),
    onStart: (message) => onStart(r, message as RequestStart),
    onEnd: (message) => onEnd(r, message as RequestEnd),
  };
  subscribe(REQUEST_START, r.onStart);
  subscribe(REQUEST_END, r.onEnd);
  return r;
}

const keyOf = (m: { requestId: number; attempt: number }) => `${m.requestId}:${m.attempt}`;

/** HTTP client semantic conventions; `url.full` is left out on purpose: the path names secrets. */
function serverAttributes(r: Recorder): Attributes {
  if (r.servers.size !== 1) return {};
  const url = new URL([...r.servers.keys()][0]!);
  return {
    'server.address': url.hostname.replace(/^\[|\]$/g, ''),
    'server.port': url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80,
    'url.scheme': url.protocol.slice(0, -1),
  };
}

function onStart(r: Recorder, m: RequestStart): void {
  const template = routeTemplate(m.path);
  if (r.spans.size >= MAX_OPEN_SPANS) {
    const [oldest] = r.spans.keys();
    r.spans.get(oldest!)?.end();
    r.spans.delete(oldest!);
  }
  // Subscribers run synchronously in the publisher's async context: the caller's span is the parent.
  const span = r.tracer.startSpan(
    `${m.method} ${template}`,
    {
      kind: r.otel.SpanKind.CLIENT,
      attributes: {
        'http.request.method': m.method,
        'url.template': template,
        ...serverAttributes(r),
        ...(m.attempt > 0 ? { 'http.request.resend_count': m.attempt } : {}),
        ...(m.namespace ? { 'vault.namespace': m.namespace } : {}),
      },
    },
    r.otel.context.active(),
  );
  r.spans.set(keyOf(m), span);
}

function onEnd(r: Recorder, m: RequestEnd): void {
  const template = routeTemplate(m.path);
  const errorType =
    m.outcome === 'error' ? (m.errorCode ?? (m.status ? String(m.status) : '_OTHER')) : undefined;
  const attributes: Attributes = {
    'http.request.method': m.method,
    'url.template': template,
    'vault.outcome': m.outcome,
    ...(m.status !== undefined ? { 'http.response.status_code': m.status } : {}),
    ...(errorType ? { 'error.type': errorType } : {}),
  };
  r.duration.record(Math.max(0, m.durationMs) / 1000, attributes);
  const key = keyOf(m);
  const span = r.spans.get(key);
  if (!span) return;
  r.spans.delete(key);
  if (m.status !== undefined) span.setAttribute('http.response.status_code', m.status);
  if (errorType) {
    span.setAttribute('error.type', errorType);
    span.setStatus({ code: r.otel.SpanStatusCode.ERROR });
  }
  span.end();
}
