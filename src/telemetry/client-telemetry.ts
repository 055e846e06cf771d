import type { Attributes, ObservableResult } from '@opentelemetry/api';
import type { EventObserver } from '../events';
import { registeredOtel } from './otel-api';
import { useRequestTelemetry } from './request-telemetry';

/** What one client lends its telemetry: its events and two numbers read at collection time. */
export interface TelemetrySource {
  enabled: boolean;
  address: string;
  observe(observer: EventObserver): () => void;
  /** Remaining token lifetime; undefined before the first login or for a token that never expires. */
  tokenTtlMs(): number | undefined;
  cachedSecrets(): number;
}

export interface Telemetry {
  close(): void;
}

const NONE: Telemetry = { close: () => undefined };

/**
 * The client's metrics (`vault.client.*`) and request spans, when the app registered an
 * OpenTelemetry SDK and did not pass `telemetry: false`. Attributes are low-cardinality and safe:
 * reasons, phases, error codes, route templates; never a path, a lease id or a value.
 */
export function attachTelemetry(source: TelemetrySource): Telemetry {
  if (!source.enabled) return NONE;
  const otel = registeredOtel();
  if (!otel) return NONE;
  const meter = otel.metrics.getMeter('vault-kubernetes-client');
  const logins = meter.createCounter('vault.client.logins', {
    description: 'Successful Vault logins, by reason',
  });
  const loginFailures = meter.createCounter('vault.client.login.failures', {
    description: 'Failed Vault logins, by error code',
  });
  const renewals = meter.createCounter('vault.client.lease.renewals', {
    description: 'Lease renewals of managed secrets, by outcome',
  });
  const rotations = meter.createCounter('vault.client.secret.rotations', {
    description: 'New values of managed secrets, by reason',
  });
  const errors = meter.createCounter('vault.client.errors', {
    description: 'Errors the client reported as events, by code and phase',
  });
  const tokenTtl = meter.createObservableGauge('vault.client.token.ttl', {
    description: "Time left on the client's Vault token",
    unit: 's',
  });
  const cached = meter.createObservableGauge('vault.client.secrets.cached', {
    description: 'Managed secrets the client holds',
  });
  const observeTtl = (result: ObservableResult) => {
    const ttl = source.tokenTtlMs();
    if (ttl !== undefined) result.observe(ttl / 1000);
  };
  const observeCached = (result: ObservableResult) => result.observe(source.cachedSecrets());
  tokenTtl.addCallback(observeTtl);
  cached.addCallback(observeCached);

  const stopObserving = source.observe((name, payload) => {
    switch (name) {
      case 'auth:login':
        logins.add(1, { 'vault.login.reason': (payload as { reason: string }).reason });
        break;
      case 'lease:renewed':
        renewals.add(1, { 'vault.outcome': 'ok' });
        break;
      case 'secret:rotated':
        rotations.add(1, { 'vault.rotation.reason': (payload as { reason: string }).reason });
        break;
      case 'error': {
        const { error, phase } = payload as { error: { code: string }; phase: string };
        const attributes: Attributes = { 'error.type': error.code, 'vault.phase': phase };
        errors.add(1, attributes);
        if (phase === 'login') loginFailures.add(1, { 'error.type': error.code });
        if (phase === 'lease-renew') renewals.add(1, { 'vault.outcome': 'error', 'error.type': error.code });
        break;
      }
    }
  });
  const release = useRequestTelemetry(otel, source.address);
  let closed = false;
  return {
    close() {
      if (closed) return;
      closed = true;
      stopObserving();
      tokenTtl.removeCallback(observeTtl);
      cached.removeCallback(observeCached);
      release();
    },
  };
}
