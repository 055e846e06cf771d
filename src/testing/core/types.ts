import type { TokenEntry } from '../store/tokens';
import type { Namespace } from './namespaces';

/** Vault's logical operations; HTTP verbs map onto these before policies are checked. */
export type Operation = 'read' | 'list' | 'create' | 'update' | 'delete' | 'patch';

export interface MountInfo {
  /** With a trailing slash, `auth/` prefixed for auth methods: `secret/`, `auth/kubernetes/`. */
  readonly path: string;
  readonly type: string;
  readonly accessor: string;
  readonly uuid: string;
  description: string;
  defaultLeaseTtl: number;
  maxLeaseTtl: number;
  options: Record<string, string>;
}

export interface BackendRequest {
  readonly operation: Operation;
  /** Path inside the mount, without the mount prefix: `data/myapp/config`. */
  readonly path: string;
  /** The full request path after `/v1/`: `secret/data/myapp/config`. */
  readonly fullPath: string;
  readonly data: Record<string, unknown>;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly mount: MountInfo;
  /** The namespace the request runs in (the root namespace outside Vault Enterprise). */
  readonly namespace: Namespace;
  readonly token: TokenEntry | undefined;
  readonly now: number;
  /** The client's IP address as the listener saw it (Vault's req.Connection); absent for in-process calls. */
  readonly remoteAddress?: string | undefined;
}

/** What a backend asks the core to attach as a lease on a secret it returns. */
export interface LeaseIntent {
  ttl: number;
  renewable: boolean;
  /** Backend-private data kept with the lease, for renewal and revocation. */
  internal: Record<string, unknown>;
}

export interface AuthIntent {
  policies: string[];
  tokenPolicies: string[];
  metadata: Record<string, string>;
  ttl: number;
  maxTtl: number;
  explicitMaxTtl: number;
  period: number;
  renewable: boolean;
  tokenType: 'service' | 'batch';
  numUses: number;
  entityId: string;
  displayName: string;
  role: string;
  /** Address blocks the issued token may be used from (`token_bound_cidrs`). */
  boundCidrs?: string[];
}

export interface BackendResult {
  data?: Record<string, unknown> | null;
  warnings?: string[];
  secret?: LeaseIntent;
  auth?: AuthIntent;
  /** Overrides the status the core would pick (a KV v2 read of a deleted version answers 404 with a body). */
  status?: number;
  /** A non-JSON answer, e.g. `pki/ca/pem`. */
  /** A non-JSON answer, e.g. `pki/ca/pem`; binary bodies (DER) as a Buffer. */
  raw?: { contentType: string; body: string | Buffer };
  /** An `auth` block about an existing token (renewal), as opposed to `auth`, which issues one. */
  authBlock?: Record<string, unknown>;
  /** Top-level lease fields of an answer about an existing lease (`sys/leases/renew`). */
  leaseFields?: { lease_id: string; renewable: boolean; lease_duration: number };
  /** Copy `data` keys to the top level of the body, as Vault does for a few sys routes. */
  injectDataIntoTop?: boolean;
}

export interface MockResponse {
  status: number;
  headers: Record<string, string>;
  /** JSON body, a raw string, or nothing. */
  body?: unknown;
  rawBody?: string | Buffer;
}
