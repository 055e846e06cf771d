/**
 * The client's `node:diagnostics_channel` channels (contract C2): the transport publishes request
 * start and end, the event hub rotations and logins. Payloads carry no token, header or body.
 */
export const REQUEST_START = 'vault-kubernetes-client:request:start';
export const REQUEST_END = 'vault-kubernetes-client:request:end';

export interface RequestStart {
  requestId: number;
  method: string;
  /** The raw Vault API path without `/v1/`: telemetry turns it into a route template. */
  path: string;
  attempt: number;
  namespace?: string;
}

export interface RequestEnd {
  requestId: number;
  method: string;
  path: string;
  attempt: number;
  status?: number;
  outcome: 'ok' | 'error';
  errorCode?: string;
  durationMs: number;
}
