import type { VaultClientError } from '../errors';

/** Why a login happened. */
export type LoginReason = 'initial' | 'expired' | 'invalid-token' | 'max-ttl';

/** Which part of the client's background work an `error` event comes from. */
export type ErrorPhase =
  | 'login'
  | 'renew'
  | 'lease-renew'
  | 'rotate'
  | 'revoke'
  | 'read'
  | 'listener'
  /** Listeners still held on to an old lease when `secrets.drainMs` ran out; it was revoked anyway. */
  | 'drain'
  | 'close';

/** Why a secret has a new value. */
export type RotationReason =
  | 'max-ttl'
  | 'lease-lost'
  | 'relogin'
  | 'new-version'
  | 'certificate-expiring'
  | 'manual'
  /** AgentFileSource: the agent rendered a new file. */
  | 'file-changed';

/** `auth:login`: who the new token is, never the token. */
export interface AuthLoginEvent {
  reason: LoginReason;
  accessor: string;
  policies: readonly string[];
  ttlMs: number;
  renewable: boolean;
  /** Failed attempts before this one since the last success. */
  failedAttempts: number;
  /** Epoch ms on the client's clock. */
  at: number;
}

/** `auth:renewed`: the token's TTL was extended. */
export interface AuthRenewedEvent {
  accessor: string;
  requestedTtlMs: number;
  ttlMs: number;
  /** Vault granted less than asked: the token nears its max TTL and a new login is scheduled. */
  capped: boolean;
  at: number;
}

/** `lease:renewed`: a managed secret's lease was extended. */
export interface LeaseRenewedEvent {
  path: string;
  /** The namespace the secret is read in, when it is not the client's own. */
  namespace?: string | undefined;
  leaseId: string;
  requestedTtlMs: number;
  ttlMs: number;
  at: number;
}

/** `lease:expired`: a lease ended before a replacement was fetched; the secret is no longer served. */
export interface LeaseExpiredEvent {
  path: string;
  namespace?: string | undefined;
  leaseId: string;
  at: number;
}

/** A secret's value at one moment, as carried by `secret:rotated`. */
export interface SecretSnapshot<T = Record<string, unknown>> {
  data: T;
  leaseId: string | undefined;
  version: number | undefined;
  expiresAt: number | undefined;
}

/** `secret:rotated`: the one event that carries secret data, because the app needs the new value. */
export interface SecretRotatedEvent<T = Record<string, unknown>> {
  path: string;
  namespace?: string | undefined;
  reason: RotationReason;
  previous: SecretSnapshot<T> | undefined;
  current: SecretSnapshot<T>;
  at: number;
}

/** `error`: background work failed. With no `error` listener, the client logs it instead. */
export interface ErrorEvent {
  error: VaultClientError;
  phase: ErrorPhase;
  path?: string | undefined;
  namespace?: string | undefined;
  /** For login failures: attempts so far. */
  attempt?: number | undefined;
  /** For login failures: when the next attempt is due. */
  nextAttemptInMs?: number | undefined;
  at: number;
}

/** Every event the client emits, by name, with its payload. */
export interface VaultClientEvents {
  /** A login succeeded. */
  'auth:login': AuthLoginEvent;
  /** The token was renewed. */
  'auth:renewed': AuthRenewedEvent;
  /** A lease was renewed. */
  'lease:renewed': LeaseRenewedEvent;
  /** A lease ran out before it could be replaced. */
  'lease:expired': LeaseExpiredEvent;
  /** A managed secret has a new value. */
  'secret:rotated': SecretRotatedEvent;
  /** Background work failed; the client keeps going. */
  error: ErrorEvent;
}

/** The name of an event. */
export type EventName = keyof VaultClientEvents;

/** A listener for one event. */
export type Listener<K extends EventName> = (payload: VaultClientEvents[K]) => void;
