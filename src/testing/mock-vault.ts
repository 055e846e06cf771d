import { randomBytes } from 'node:crypto';
import {
  type DatabaseUserFilter,
  databaseCredentialWorks,
  databaseUsers,
} from './backends/database/registry';
import type { DatabaseUser } from './backends/database/state';
import { builtinEngines } from './backends/index';
import type { HealthState } from './backends/sys/index';
import { systemBackend } from './backends/sys/index';
import { tokenBackend } from './backends/token/index';
import { ManualClock } from './clock';
import {
  DEFAULT_AUDIENCE,
  KubernetesCluster,
  type ServiceAccountTokenOptions,
} from './cluster/kubernetes-cluster';
import type { AuditEntry, AuditQuery } from './core/audit';
import type { MockEngine } from './core/engine';
import { uuid } from './core/ids';
import { VaultCore } from './core/vault-core';
import { FaultInjector } from './http/faults';
import { DEFAULT_MAX_REQUEST_BYTES } from './http/request-body';
import { type RunningServer, startServer } from './http/server';
import { createTlsMaterial, type MockTls } from './tls';

export interface MockVaultOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  host?: string;
  /** Serve HTTPS from a CA the mock generates; `requireClientCertificate` turns on mTLS. */
  tls?: boolean | { requireClientCertificate?: boolean };
  /** The root token; random `hvs.` token by default (the dev CLI uses `root`). */
  rootToken?: string;
  /** Share a clock with the client under test; a new ManualClock by default. */
  clock?: ManualClock;
  /** Record requests to paths the mock does not implement and fail `close()` if any came. */
  strict?: boolean;
  /**
   * Act like Vault Enterprise, with these namespaces created at start (`team-a`, `team-a/dev`:
   * parents first). Each namespace has its own mounts (`sys/` and `auth/token/` to begin with),
   * policies, tokens and leases; `sys/namespaces` creates, lists and deletes more. Without this
   * option the mock is Vault CE, which ignores the X-Vault-Namespace header.
   */
  namespaces?: string[];
  maxRequestBytes?: number;
  /** Mount KV v2 at `secret/` as `vault server -dev` does. Default true. */
  devMounts?: boolean;
  /**
   * Engines and auth methods to add to the mock's plugin catalog, by type name. Once added,
   * `sys/mounts/<path>` (kind `secret`) or `sys/auth/<path>` (kind `auth`) with that `type`
   * mounts them, as the built-in ones (`kv`, `pki`, `transit`, `database`, `kubernetes`) are;
   * a name the catalog already has replaces the built-in engine.
   */
  engines?: Record<string, MockEngine>;
}

export interface MockVaultResponse {
  status: number;
  body: unknown;
}

/** A lease as the mock holds it (see `MockVault.leases`). Times are epoch ms on the mock clock. */
export interface LeaseView {
  /** The lease id a client renews and revokes. */
  id: string;
  /** The request path that created it: `database/creds/app`. */
  path: string;
  issuedAt: number;
  expiresAt: number;
  renewable: boolean;
  /** The accessor of the token it belongs to: revoking that token revokes the lease. */
  tokenAccessor: string;
  /** The Vault namespace's path (`team-a/`); '' for the root namespace. */
  namespace: string;
}

/** A token as the mock holds it (see `MockVault.tokens`): never the token itself. */
export interface TokenView {
  accessor: string;
  policies: readonly string[];
  /** The path that created it: `auth/kubernetes/login`, `auth/token/create`. */
  path: string;
  /** The role it was issued for (an auth method's or a token role); '' if none. */
  role: string;
  issuedAt: number;
  /** Epoch ms; null for a token that never expires (root). */
  expiresAt: number | null;
  renewable: boolean;
  metadata: Readonly<Record<string, string>> | null;
  /** Uses left; 0 means unlimited. */
  numUses: number;
  /** Whether it has no parent token (logins and orphans): revoking another token never takes it. */
  orphan: boolean;
  /** The Vault namespace's path (`team-a/`); '' for the root namespace. */
  namespace: string;
}

export interface MockCluster {
  /** A service-account JWT shaped like a projected token, signed by the mock cluster. */
  mintToken(options?: ServiceAccountTokenOptions): Promise<string>;
  /** Mints a token and writes it to a file (a temp file unless `path` is given); returns the path. */
  writeToken(options?: ServiceAccountTokenOptions & { path?: string }): Promise<string>;
  /** TokenReview refuses tokens of this account from now on, as after `kubectl delete sa`. */
  deleteServiceAccount(namespace: string, name: string): void;
  /**
   * The account loses its system:auth-delegator binding: Vault's TokenReviews made with its token
   * (token_reviewer_jwt, or the client's own JWT when none is set) fail, and logins answer "permission denied".
   */
  removeAuthDelegator(namespace: string, name: string): void;
  /** Starts the cluster's API server on loopback (SelfSubjectAccessReview only); closed with the mock. */
  startApiServer(): Promise<{ readonly url: string }>;
  /** PEM of the cluster's current JWT signing key, for `pem_keys` and `jwt_validation_pubkeys`. */
  readonly publicKeyPem: string;
  /**
   * The cluster's service-account issuer, `https://kubernetes.default.svc.cluster.local`: the
   * `iss` of its tokens, and the `oidc_discovery_url` of a Vault inside the cluster (the mock's
   * Vault is: it reaches the issuer through the cluster, trusting `caCertificate`).
   */
  readonly issuer: string;
  /** The issuer's discovery document as the API server serves it on loopback (what `kubectl get --raw` shows). */
  readonly discoveryUrl: string;
  /** Where the cluster publishes its signing keys as a JWKS, for `jwks_url`. */
  readonly jwksUrl: string;
  /** A new signing key (the old ones stay published): new tokens carry a key ID Vault has not seen. */
  rotateSigningKey(): Promise<void>;
  /** PEM of the cluster CA, for `kubernetes_ca_cert`. */
  readonly caCertificate: string;
  /** What to write as `kubernetes_host`. */
  readonly host: string;
}

export interface KubernetesSetup {
  /** The Vault namespace to set it up in (Enterprise mode); the root namespace by default. */
  vaultNamespace?: string;
  role?: string;
  serviceAccount?: string | string[];
  namespace?: string | string[];
  policies?: string[];
  /** Extra role fields in Vault's names (`token_ttl`, `token_max_ttl`, `audience`, ...). */
  roleFields?: Record<string, unknown>;
  mount?: string;
}

export interface JwtSetup {
  /** The Vault namespace to set it up in (Enterprise mode); the root namespace by default. */
  vaultNamespace?: string;
  /** Where the JWT auth method is enabled; `jwt` by default. */
  mount?: string;
  role?: string;
  /**
   * How Vault gets the cluster's keys: its OIDC discovery document (default), its JWKS URL, or
   * the public key PEM pasted into the config.
   */
  keys?: 'oidc_discovery_url' | 'jwks_url' | 'jwt_validation_pubkeys';
  serviceAccount?: string;
  namespace?: string;
  /** `bound_audiences`; the API server's default audience unless given. */
  audiences?: string[];
  policies?: string[];
  /** Extra role fields in Vault's names (`token_ttl`, `bound_claims`, `claim_mappings`, ...). */
  roleFields?: Record<string, unknown>;
}

export interface AppRoleSetup {
  /** Where the AppRole auth method is enabled; `approle` by default. */
  mount?: string;
  role?: string;
  policies?: string[];
  /** Extra role fields in Vault's names (`secret_id_ttl`, `secret_id_num_uses`, `token_ttl`, ...). */
  roleFields?: Record<string, unknown>;
  /** Fields of the secret ID request (`metadata`, `cidr_list`, `num_uses`, `ttl`, ...). */
  secretIdFields?: Record<string, unknown>;
}

export interface AppRoleCredentials {
  roleId: string;
  secretId: string;
  secretIdAccessor: string;
}

/**
 * A mock HashiCorp Vault on loopback for tests and local development. It speaks Vault's HTTP
 * API (paths, bodies, status codes, error strings) and keeps time on a ManualClock.
 */
export interface MockVault {
  /** Where it listens: `http://127.0.0.1:<port>` (or `https://` with `tls`). Give it to the client as `address`. */
  readonly address: string;
  /** A token with the root policy that never expires; `request`, `write` and `read` use it by default. */
  readonly rootToken: string;
  /** The mock's time. Pass it to the client as `clock` so one `advance()` moves both. */
  readonly clock: ManualClock;
  /** The key `sys/unseal` accepts after `seal()` or a `PUT sys/seal`. */
  readonly unsealKey: string;
  /** Present when started with `tls`: the CA to trust and a client certificate for mTLS. */
  readonly tls: MockTls | undefined;
  /** The simulated Kubernetes cluster: service-account tokens Vault's Kubernetes and JWT auth trust. */
  readonly cluster: MockCluster;
  /**
   * Faults to inject on the wire: `failNext({ path, status, errors, times })`, `latency(ms)`,
   * `resetConnection()`, `htmlError()`, `rateLimit(limit, windowMs)`.
   */
  readonly faults: FaultInjector;
  /** Every request the mock answered, with the token's accessor (never the token). */
  readonly audit: {
    /** Requests matching the query; by default those that came over HTTP, oldest first. */
    entries(query?: AuditQuery): AuditEntry[];
    count(query?: AuditQuery): number;
    clear(): void;
  };
  /** Health states reported by `sys/health` (standby, performance standby, uninitialized). */
  readonly health: HealthState;
  /** Sends a request through the same logic as HTTP requests, with the root token unless another is given. */
  request(
    method: string,
    path: string,
    body?: unknown,
    options?: { token?: string | null; namespace?: string },
  ): Promise<MockVaultResponse>;
  /** `request` with the root token that throws on an error status: for test setup. */
  write(path: string, body?: unknown, options?: { namespace?: string }): Promise<MockVaultResponse>;
  /** A GET with the root token that throws on an error status. */
  read(path: string, options?: { namespace?: string }): Promise<MockVaultResponse>;
  /** The article's steps: enable and configure Kubernetes auth, write a role bound to an account. */
  setupKubernetesAuth(setup?: KubernetesSetup): Promise<void>;
  /**
   * The JWT auth method as HashiCorp documents it for Kubernetes: the config points at the
   * cluster's issuer, and a `jwt` role binds the audience and the service account's subject.
   */
  setupJwtAuth(setup?: JwtSetup): Promise<void>;
  /**
   * AppRole as an operator sets it up for a workload: enable, write a role, read its role ID and
   * issue a secret ID. Returns what the workload is given.
   */
  setupAppRole(setup?: AppRoleSetup): Promise<AppRoleCredentials>;
  /** Seals the mock, as `vault operator seal` does: everything but the unauthenticated sys/ paths answers 503. */
  seal(): void;
  /** Unseals it without the key. */
  unseal(): void;
  /** The leases alive at the mock clock's current time, optionally by path prefix or token accessor. */
  leases(filter?: { path?: string; tokenAccessor?: string }): LeaseView[];
  /** The tokens alive at the mock clock's current time, root included. */
  tokens(): TokenView[];
  /**
   * Revokes a token (by token or accessor) behind the client's back: the tokens it created and
   * every lease of theirs go too. False if there was no such token.
   */
  revokeToken(tokenOrAccessor: string): boolean;
  /** Revokes a lease behind the client's back. False if there was no such lease. */
  revokeLease(leaseId: string): boolean;
  /**
   * The database users the mock's database engines created, live or gone (lease revoked or
   * expired): what a test checks to prove a client never uses a dead credential.
   */
  databaseUsers(filter?: DatabaseUserFilter): DatabaseUser[];
  /** Whether a username and password would log in to the mock database now. */
  databaseCredentialWorks(username: string, password: string): boolean;
  /** Requests to paths the mock does not implement (`METHOD path`). */
  unhandledRequests(): string[];
  /**
   * Stops listening and lets go of everything (cluster endpoints, database connections).
   * With `strict`, rejects if any request reached a path the mock does not implement.
   */
  close(): Promise<void>;
}

export async function startMockVault(options: MockVaultOptions = {}): Promise<MockVault> {
  const clock = options.clock ?? new ManualClock();
  const tlsOption = options.tls;
  const tls = tlsOption ? createTlsMaterial(options.host ?? '127.0.0.1') : undefined;
  // The cluster's CA (the API server's and the service-account issuer's): the mock's own when it serves TLS.
  const clusterCa = tls?.caCertificate ?? createTlsMaterial('127.0.0.1').caCertificate;
  const cluster = await KubernetesCluster.create(clock, clusterCa);
  const core = new VaultCore(clock, options.namespaces !== undefined);
  core.registerEngines(builtinEngines(core, cluster));
  core.registerEngines(options.engines ?? {});
  const health: HealthState = { initialized: true, standby: false, performanceStandby: false };
  const unsealKey = randomBytes(32).toString('base64');
  const rootToken = options.rootToken ?? `hvs.${randomBytes(18).toString('base64url')}`;

  const system = { health, unsealKey, clusterId: uuid() };
  const defaultMounts = (namespace = core.namespaces.root) => {
    core.mountBackend(
      'sys/',
      'system',
      () => systemBackend(core, system),
      { description: 'system endpoints used for control, policy and debugging' },
      namespace,
    );
    core.mountBackend(
      'auth/token/',
      'token',
      ({ mount }) => tokenBackend(core, mount),
      { description: 'token based credentials' },
      namespace,
    );
  };
  defaultMounts();
  core.onNamespaceCreated(defaultMounts);
  for (const path of options.namespaces ?? []) {
    let parent = core.namespaces.root;
    for (const name of path.split('/').filter((segment) => segment !== '')) {
      parent = core.createNamespace(parent, name);
    }
  }
  if (options.devMounts ?? true)
    core.mount('secret/', 'kv', { description: 'key/value secret storage', options: { version: '2' } });
  core.tokens.create({
    id: rootToken,
    policies: ['root'],
    meta: null,
    path: 'auth/token/root',
    mountPath: 'auth/token/',
    displayName: 'root',
    issuedAt: clock.now(),
    creationTtl: 0,
    explicitMaxTtl: 0,
    maxTtl: 0,
    period: 0,
    expiresAt: null,
    renewable: false,
    type: 'service',
    parent: '',
    numUses: 0,
    role: '',
  });

  const faults = new FaultInjector(clock);
  const server: RunningServer = await startServer(core, faults, {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    maxRequestBytes: options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES,
    tls: tls && {
      cert: tls.server.certificate,
      key: tls.server.privateKey,
      ca: tls.caCertificate,
      requestClientCert: typeof tlsOption === 'object' && tlsOption.requireClientCertificate === true,
    },
  }).catch(async (error: unknown) => {
    // The cluster's issuer listener is already up: a mock that fails to start must not leave it open.
    await cluster.dispose();
    throw error;
  });

  const request: MockVault['request'] = async (method, path, body, opts = {}) => {
    const token = opts.token === undefined ? rootToken : opts.token;
    const upper = method.toUpperCase();
    const url = new URL(path.replace(/^\/?(v1\/)?/, ''), 'http://mock/');
    const data: Record<string, unknown> =
      body && typeof body === 'object' ? structuredClone(body as Record<string, unknown>) : {};
    if (upper === 'GET' || upper === 'DELETE')
      for (const [k, v] of url.searchParams) if (k !== 'list') data[k] = v;
    const { response, accessor } = await core.handle({
      method: upper,
      path: decodeURIComponent(url.pathname.slice(1)),
      query: url.searchParams,
      headers: {
        ...(token ? { 'x-vault-token': token } : {}),
        ...(opts.namespace ? { 'x-vault-namespace': opts.namespace } : {}),
      },
      body: data,
    });
    const errors = (response.body as { errors?: string[] } | undefined)?.errors;
    core.audit.record({
      time: clock.now(),
      method: upper,
      path: decodeURIComponent(url.pathname.slice(1)),
      operation: upper,
      status: response.status,
      accessor,
      namespace: opts.namespace,
      error: errors?.[0],
      fault: undefined,
      unhandled: false,
      via: 'helper',
    });
    return {
      status: response.status,
      body:
        response.rawBody === undefined
          ? (response.body ?? null)
          : typeof response.rawBody === 'string'
            ? safeJson(response.rawBody)
            : response.rawBody,
    };
  };

  const must = async (method: string, path: string, body?: unknown, namespace?: string) => {
    const res = await request(method, path, body, namespace === undefined ? {} : { namespace });
    if (res.status >= 400) {
      throw new Error(`mock Vault: ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
    return res;
  };

  /** Whether something is mounted at `path` in a namespace (the root one by default). */
  const mounted = (path: string, namespace?: string) =>
    (namespace === undefined ? core.namespaces.root : core.namespaces.byPath(namespace))?.mounts.get(path) !==
    undefined;

  const view = (lease: ReturnType<typeof core.leases.all>[number]): LeaseView => ({
    id: lease.id,
    path: lease.path,
    issuedAt: lease.issuedAt,
    expiresAt: lease.expiresAt,
    renewable: lease.renewable,
    tokenAccessor: lease.tokenAccessor,
    namespace: core.namespaceOf(lease).path,
  });

  let closed = false;
  const mock: MockVault = {
    address: server.address,
    rootToken,
    clock,
    unsealKey,
    tls,
    health,
    faults,
    audit: {
      entries: (query) => core.audit.entries(query),
      count: (query) => core.audit.count(query),
      clear: () => core.audit.clear(),
    },
    cluster: {
      mintToken: (o) => cluster.mintToken(o),
      writeToken: (o) => cluster.writeToken(o),
      deleteServiceAccount: (ns, name) => cluster.deleteServiceAccount(ns, name),
      removeAuthDelegator: (ns, name) => cluster.removeAuthDelegator(ns, name),
      startApiServer: async () => ({ url: (await cluster.startApi()).url }),
      get publicKeyPem() {
        return cluster.publicKeyPem;
      },
      issuer: cluster.issuer,
      discoveryUrl: cluster.discoveryUrl,
      jwksUrl: cluster.jwksUrl,
      rotateSigningKey: () => cluster.rotateSigningKey(),
      caCertificate: clusterCa,
      host: 'https://kubernetes.default.svc',
    },
    request,
    write: (path, body, opts = {}) => must('POST', path, body, opts.namespace),
    read: (path, opts = {}) => must('GET', path, undefined, opts.namespace),
    async setupKubernetesAuth(setup = {}) {
      const mount = setup.mount ?? 'kubernetes';
      const ns = setup.vaultNamespace;
      if (!mounted(`auth/${mount}/`, ns)) await must('POST', `sys/auth/${mount}`, { type: 'kubernetes' }, ns);
      await must(
        'POST',
        `auth/${mount}/config`,
        {
          kubernetes_host: 'https://kubernetes.default.svc',
          kubernetes_ca_cert: clusterCa,
          token_reviewer_jwt: await cluster.mintToken({ namespace: 'vault', serviceAccount: 'vault' }),
        },
        ns,
      );
      await must(
        'POST',
        `auth/${mount}/role/${setup.role ?? 'myapp-role'}`,
        {
          bound_service_account_names: setup.serviceAccount ?? 'myapp-sa',
          bound_service_account_namespaces: setup.namespace ?? 'default',
          policies: setup.policies ?? ['myapp-policy'],
          ttl: '24h',
          ...setup.roleFields,
        },
        ns,
      );
    },
    async setupJwtAuth(setup = {}) {
      const mount = setup.mount ?? 'jwt';
      const ns = setup.vaultNamespace;
      if (!mounted(`auth/${mount}/`, ns)) await must('POST', `sys/auth/${mount}`, { type: 'jwt' }, ns);
      const keys = setup.keys ?? 'oidc_discovery_url';
      const source =
        keys === 'oidc_discovery_url'
          ? { oidc_discovery_url: cluster.issuer, oidc_discovery_ca_pem: clusterCa }
          : keys === 'jwks_url'
            ? { jwks_url: cluster.jwksUrl }
            : { jwt_validation_pubkeys: [cluster.publicKeyPem] };
      await must('POST', `auth/${mount}/config`, { ...source, bound_issuer: cluster.issuer }, ns);
      const namespace = setup.namespace ?? 'default';
      await must(
        'POST',
        `auth/${mount}/role/${setup.role ?? 'myapp-role'}`,
        {
          role_type: 'jwt',
          user_claim: 'sub',
          bound_audiences: setup.audiences ?? [DEFAULT_AUDIENCE],
          bound_subject: `system:serviceaccount:${namespace}:${setup.serviceAccount ?? 'myapp-sa'}`,
          token_policies: setup.policies ?? ['myapp-policy'],
          token_ttl: '24h',
          ...setup.roleFields,
        },
        ns,
      );
    },
    async setupAppRole(setup = {}) {
      const mount = setup.mount ?? 'approle';
      const role = setup.role ?? 'myapp-role';
      if (!core.mounts.get(`auth/${mount}/`)) await must('POST', `sys/auth/${mount}`, { type: 'approle' });
      await must('POST', `auth/${mount}/role/${role}`, {
        token_policies: setup.policies ?? ['myapp-policy'],
        token_ttl: '1h',
        ...setup.roleFields,
      });
      const roleId = (await must('GET', `auth/${mount}/role/${role}/role-id`)).body as {
        data: { role_id: string };
      };
      const issued = (await must('POST', `auth/${mount}/role/${role}/secret-id`, setup.secretIdFields ?? {}))
        .body as { data: { secret_id: string; secret_id_accessor: string } };
      return {
        roleId: roleId.data.role_id,
        secretId: issued.data.secret_id,
        secretIdAccessor: issued.data.secret_id_accessor,
      };
    },
    seal: () => {
      core.sealed = true;
    },
    unseal: () => {
      core.sealed = false;
    },
    leases: (filter = {}) => {
      core.expire();
      return core.leases
        .all()
        .filter(
          (l) =>
            (filter.path === undefined || l.path.startsWith(filter.path)) &&
            (filter.tokenAccessor === undefined || l.tokenAccessor === filter.tokenAccessor),
        )
        .map(view);
    },
    tokens: () => {
      core.expire();
      return core.tokens.all().map((t) => ({
        accessor: t.accessor,
        policies: [...t.policies],
        path: t.path,
        role: t.role,
        issuedAt: t.issuedAt,
        expiresAt: t.expiresAt,
        renewable: t.renewable,
        metadata: t.meta,
        numUses: t.numUses,
        orphan: t.parent === '',
        namespace: core.namespaceOf(t).path,
      }));
    },
    revokeToken: (tokenOrAccessor) => {
      const token = core.tokens.get(tokenOrAccessor) ?? core.tokens.byAccessor(tokenOrAccessor);
      if (!token) return false;
      core.revokeToken(token);
      return true;
    },
    revokeLease: (leaseId) => {
      const lease = core.leases.get(leaseId);
      if (!lease) return false;
      core.revokeLease(lease);
      return true;
    },
    databaseUsers: (filter) => databaseUsers(core, filter),
    databaseCredentialWorks: (username, password) => databaseCredentialWorks(core, username, password),
    unhandledRequests: () => [...core.unhandled],
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      // Revocations under way finish, then engines close what they hold outside (database pools).
      await core.settled();
      await Promise.all(
        core.namespaces
          .all()
          .flatMap((ns) => ns.mounts.list(() => true).map((m) => ns.mounts.get(m.path)?.backend.dispose?.())),
      );
      await cluster.dispose();
      if (options.strict && core.unhandled.length > 0) {
        throw new Error(
          `mock Vault (strict): requests to paths it does not implement:\n  ${core.unhandled.join('\n  ')}`,
        );
      }
    },
  };
  return mock;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
