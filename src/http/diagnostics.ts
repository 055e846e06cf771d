import { channel } from 'node:diagnostics_channel';
import type { ErrorCode } from '../errors';

/**
 * The transport's `node:diagnostics_channel` channels: one message as an attempt starts, one as
 * it ends. What telemetry (OpenTelemetry, Prometheus, a test) subscribes to; built only when
 * someone listens (`hasSubscribers`), so they cost nothing otherwise. Never a token, a header
 * or a body: the method, the Vault path as called, the attempt number, the outcome.
 */
export const REQUEST_START_CHANNEL = 'vault-kubernetes-client:request:start';
export const REQUEST_END_CHANNEL = 'vault-kubernetes-client:request:end';

export interface RequestStartMessage {
  /** One number per call, shared by its attempts. */
  requestId: number;
  method: string;
  /** The Vault API path without `/v1/`, as the call named it: `secret/data/myapp/config`. */
  path: string;
  /** 0 for the first attempt. */
  attempt: number;
  namespace?: string;
}

export interface RequestEndMessage {
  requestId: number;
  method: string;
  path: string;
  attempt: number;
  /** The HTTP status, when an answer came. */
  status?: number;
  outcome: 'ok' | 'error';
  errorCode?: ErrorCode;
  durationMs: number;
}

export const requestStart = channel(REQUEST_START_CHANNEL);
export const requestEnd = channel(REQUEST_END_CHANNEL);

let lastRequestId = 0;

/** A new id for a call (process-wide, so ids of several clients do not collide). */
export function nextRequestId(): number {
  lastRequestId = lastRequestId >= Number.MAX_SAFE_INTEGER ? 1 : lastRequestId + 1;
  return lastRequestId;
}
