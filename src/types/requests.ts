import type { StandardSchemaV1 } from './standard-schema';

/**
 * Per-call options: they win over the client's options for one call. Every field accepts
 * `undefined` as "not set".
 */
export interface CallOptions {
  /** Aborts this caller's wait (and the request, when nobody else waits on it). */
  signal?: AbortSignal | undefined;
  /** One attempt's timeout; overrides `timeouts.requestMs`. */
  timeoutMs?: number | undefined;
  /** Vault Enterprise namespace for this call; overrides the client's `namespace`. */
  namespace?: string | undefined;
  /** Retries after the first attempt for this call; overrides `retry.maxRetries`. */
  maxRetries?: number | undefined;
}

/** Options of `read`, `write`, `list`, `delete` and `request`. */
export interface ReadOptions<S extends StandardSchemaV1 | undefined = undefined> extends CallOptions {
  /**
   * Any Standard Schema (zod, valibot, arktype, ...) for `data`: the result is typed by the
   * schema's output and checked at run time. The schema library is the app's own dependency.
   */
  schema?: S;
  /** Query parameters, e.g. `{ version: 3 }` for a KV v2 read. */
  query?: Record<string, string | number | boolean> | undefined;
}

/** `LIST` is Vault's own verb, sent as `GET ?list=true`. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'LIST';

/** Any Vault call, for `vault.request()`. */
export interface RequestSpec<S extends StandardSchemaV1 | undefined = undefined> extends ReadOptions<S> {
  method: HttpMethod;
  /** The API path without `/v1/`, e.g. `secret/data/myapp`. */
  path: string;
  /** A JSON body. */
  body?: unknown;
  /**
   * Safe to send twice? Decides retries of POST/PUT; GET, LIST and DELETE always are.
   * @default false
   */
  idempotent?: boolean | undefined;
}

/** A lease as the app sees it: never the token that owns it. */
export interface LeaseInfo {
  id: string;
  ttlMs: number;
  renewable: boolean;
  /** Epoch ms on the client's clock. */
  expiresAt: number;
}

/** A Vault answer with its data typed (through a schema, when one is given). */
export interface VaultResponse<T> {
  data: T;
  /** Present when Vault attached a lease (dynamic secrets). */
  lease: LeaseInfo | undefined;
  warnings: string[];
  requestId: string | undefined;
  mountType: string | undefined;
}

/** Options of `close()`. */
export interface CloseOptions {
  /**
   * Revoke the leases this client holds and the token it logged in for (never a token it was given).
   * @default false
   */
  revoke?: boolean | undefined;
  /**
   * The longest close() spends on revocations before it gives up on them (and settles), so that
   * it fits Kubernetes' 30 s grace period whatever Vault does.
   * @default 5000
   */
  timeoutMs?: number | undefined;
}
