import type { z } from 'zod';
import type { CallOptions } from './options';

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

export interface ReadOptions<S extends z.ZodType | undefined = undefined> extends CallOptions {
  /** A zod schema for `data`; the result is typed by it and checked at run time. */
  schema?: S;
  /** Query parameters, e.g. `{ version: 3 }` for a KV v2 read. */
  query?: Record<string, string | number | boolean>;
}

export type DataOf<S> = S extends z.ZodType ? z.output<S> : Record<string, unknown>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH' | 'LIST';

export interface RequestSpec<S extends z.ZodType | undefined = undefined> extends ReadOptions<S> {
  method: HttpMethod;
  path: string;
  body?: unknown;
  /** Safe to send twice? Decides retries of POST/PUT; GET, LIST and DELETE always are. Default false. */
  idempotent?: boolean;
}

export interface CloseOptions {
  /** Revoke the leases this client holds and the token it logged in for. Default false. */
  revoke?: boolean;
  /** The longest close() spends on revocations before giving up on them; default 5 s. */
  timeoutMs?: number;
}
