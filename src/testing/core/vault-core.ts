import { Acl } from '../policy/acl';
import type { LeaseEntry } from '../store/leases';
import { LeaseStore } from '../store/leases';
import type { Mounted } from '../store/mounts';
import { MountTable } from '../store/mounts';
import { PolicyStore } from '../store/policies';
import type { TokenEntry } from '../store/tokens';
import { TokenStore } from '../store/tokens';
import { addressAllowed, parseAddressBlock } from './address-blocks';
import { AuditLog } from './audit';
import type { Backend } from './backend';
import { calculateTtl, SYSTEM_MAX_TTL } from './durations';
import type { BuiltinEngine, EngineCatalog, EngineContext, MockEngine } from './engine';
import { authBlock, errorResponse, jsonHeaders } from './envelope';
import { batchToken, serviceToken, uuid } from './ids';
import { type Namespace, NamespaceStore, parseNamespaceName, ROOT_NAMESPACE_ID, within } from './namespaces';
import { ResponseWrapping, wrapTtlOf } from './response-wrapping';
import { dispatch, existsFor } from './routes';
import { matchesSpecialPath } from './special-paths';
import type { AuthIntent, BackendRequest, BackendResult, MockResponse, MountInfo, Operation } from './types';
import { badRequest, invalidToken, permissionDenied, VaultError } from './vault-error';

export interface CoreClock {
  now(): number;
  /** Present on the mock's ManualClock: lets a backend act at a time on the mock's clock (a lease's end). */
  setTimeout?(callback: () => unknown, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
  /** Present on the ManualClock: I/O a backend starts on its own (a database's DROP ROLE) is waited for. */
  track?<T>(work: Promise<T>): Promise<T>;
}

export interface CoreRequest {
  method: string;
  /** Path after `/v1/`, decoded, without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | undefined>;
  /** Parsed JSON object (or form fields) from the body. */
  body: Record<string, unknown>;
  /** The client's IP address (the socket's remote address), for CIDR-bound tokens and logins. */
  remoteAddress?: string | undefined;
}

/** Paths that answer without a token, whatever is mounted. */
const UNAUTHENTICATED_SYS = new Set([
  'sys/health',
  'sys/seal-status',
  'sys/unseal',
  'sys/init',
  'sys/leader',
  'sys/wrapping/lookup',
]);
/**
 * sys/ paths a child namespace may not use (openbao/openbao request_handling.go
 * restrictedSysAPIs): what concerns the whole server is done from the root namespace.
 */
const ROOT_ONLY_SYS = [
  'audit',
  'config/auditing',
  'config/cors',
  'generate-root',
  'health',
  'host-info',
  'init',
  'internal/counters/activity',
  'metrics',
  'raw',
  'rekey',
  'seal',
  'step-down',
  'unseal',
];

/**
 * The mock's Vault: the request pipeline (seal, token, policy, routing, leases, audit) in the
 * order real Vault's core runs it, over in-memory stores. HTTP is handled elsewhere; every
 * programmatic helper of the mock also comes through `handle`, so there is one implementation.
 */
export class VaultCore {
  readonly tokens = new TokenStore();
  readonly leases = new LeaseStore();
  /** The root namespace's mounts and policies (every namespace has its own, see `namespaces`). */
  readonly mounts = new MountTable();
  readonly policies = new PolicyStore();
  readonly namespaces = new NamespaceStore(this.mounts, this.policies);
  /** Password policies by name, as written (sys/policies/password; the database engine draws from them). */
  readonly passwordPolicies = new Map<string, string>();
  readonly audit = new AuditLog();
  readonly wrapping = new ResponseWrapping(this.tokens);
  sealed = false;
  readonly unhandled: string[] = [];
  /** The plugin catalog: engine and auth method types that `sys/mounts` and `sys/auth` can enable. */
  readonly engines = new Map<string, MockEngine | BuiltinEngine>();
  /** Revocations a backend is still carrying out (a database dropping a user). */
  readonly #revoking = new Set<Promise<void>>();

  /** Mounts `sys/` and `auth/token/` in a new namespace, as Vault does; set by the mock. */
  #defaultMounts: (namespace: Namespace) => void = () => undefined;

  constructor(
    readonly clock: CoreClock,
    /**
     * Vault Enterprise: namespaces are real (`sys/namespaces`, the X-Vault-Namespace header).
     * Vault CE ignores the header: every request is in the root namespace.
     */
    readonly enterprise: boolean,
  ) {}

  /** What every namespace gets mounted at its creation (the root's is mounted by the caller). */
  onNamespaceCreated(mountDefaults: (namespace: Namespace) => void): void {
    this.#defaultMounts = mountDefaults;
  }

  /** sys/namespaces/<name> in `parent`: a new, empty namespace with its own sys/ and token store. */
  createNamespace(parent: Namespace, name: string, customMetadata: Record<string, string> = {}): Namespace {
    const path = parseNamespaceName(name);
    const existing = this.namespaces.byPath(`${parent.path}${path}`);
    if (existing) {
      existing.customMetadata = customMetadata;
      return existing;
    }
    const conflict = parent.mounts.conflicts(path);
    if (conflict) throw new Error(`new namespace conflicts with existing mount: ${conflict}`);
    const namespace = this.namespaces.create(parent, path, customMetadata);
    this.#defaultMounts(namespace);
    return namespace;
  }

  /** Deletes a namespace without children: its tokens, leases and mounts go with it. */
  async deleteNamespace(namespace: Namespace): Promise<void> {
    const done: Promise<void>[] = [];
    for (const token of this.tokens.all())
      if (token.namespaceId === namespace.id) done.push(this.revokeToken(token));
    for (const lease of this.leases.all())
      if (lease.namespaceId === namespace.id) done.push(this.revokeLease(lease));
    await Promise.all(done);
    await Promise.all(
      namespace.mounts
        .list(() => true)
        .map((info) => namespace.mounts.remove(info.path)?.backend.dispose?.()),
    );
    this.namespaces.remove(namespace);
  }

  /** The namespace a token or lease belongs to (the root if it is gone). */
  namespaceOf(entry: { namespaceId: string }): Namespace {
    return this.namespaces.byId(entry.namespaceId) ?? this.namespaces.root;
  }

  now(): number {
    return this.clock.now();
  }

  /** Adds engines to the catalog; a name already there is replaced (a user may swap a built-in). */
  registerEngines(catalog: EngineCatalog): void {
    for (const [type, engine] of Object.entries(catalog)) this.engines.set(type, engine);
  }

  /**
   * Mounts an engine of the catalog at `path` (with its trailing slash; `auth/` for auth
   * methods) in a namespace, the root by default.
   */
  mount(
    path: string,
    type: string,
    settings: Partial<MountInfo> = {},
    namespace = this.namespaces.root,
  ): Mounted {
    const engine = this.engines.get(type);
    if (!engine) throw new VaultError(400, `plugin not found in the catalog: ${type}`);
    return this.mountBackend(path, type, (context) => engine.create(context), settings, namespace);
  }

  /** Mounts a backend outside the catalog: the system backend and the token store. */
  mountBackend(
    path: string,
    type: string,
    create: (context: EngineContext) => Backend,
    settings: Partial<MountInfo> = {},
    namespace = this.namespaces.root,
  ): Mounted {
    const mounted = namespace.mounts.add(path, type, { routes: [] }, settings);
    mounted.backend = create({ mount: mounted.info, now: () => this.now() });
    return mounted;
  }

  /**
   * Disables a mount: its leases are revoked and, for an auth method, the tokens it issued; then
   * the backend lets go of what it holds outside (a database's connections), as Vault closes a plugin.
   */
  async unmount(path: string, namespace = this.namespaces.root): Promise<void> {
    const done: Promise<void>[] = [];
    for (const lease of this.leases.byPrefix(path)) {
      if (lease.namespaceId === namespace.id) done.push(this.revokeLease(lease));
    }
    for (const token of this.tokens.all()) {
      if (token.mountPath === path && token.namespaceId === namespace.id) done.push(this.revokeToken(token));
    }
    await Promise.all(done);
    await namespace.mounts.remove(path)?.backend.dispose?.();
  }

  /** The mount a token or lease came from, in its own namespace. */
  mountOf(entry: { namespaceId: string; mountPath: string }): Mounted | undefined {
    return this.namespaceOf(entry).mounts.get(entry.mountPath);
  }

  /** Ends every token and lease whose time is up, as Vault's expiration manager does in the background. */
  expire(): void {
    const now = this.now();
    for (const token of this.tokens.expiredAt(now)) void this.revokeToken(token);
    for (const lease of this.leases.expiredAt(now)) void this.revokeLease(lease);
  }

  /**
   * Revokes a token and, depth first, every token it created, with all their leases: Vault's
   * revokeTree, which every revocation but revoke-orphan goes through (expiry included).
   * Settles once the backends have finished revoking the leases (at once when none does I/O).
   */
  revokeToken(token: TokenEntry): Promise<void> {
    const done: Promise<void>[] = [];
    const revokeTree = (entry: TokenEntry) => {
      for (const id of this.tokens.children(entry.id)) {
        const child = this.tokens.getTainted(id);
        if (child) revokeTree(child);
      }
      this.tokens.delete(entry.id);
      done.push(this.#revokeLeasesOf(entry));
    };
    revokeTree(token);
    return Promise.all(done).then(() => undefined);
  }

  /** revoke-orphan: the token and its leases go; the tokens it created stay, as orphans. */
  revokeOrphan(token: TokenEntry): Promise<void> {
    for (const id of this.tokens.children(token.id)) {
      const child = this.tokens.getTainted(id);
      if (child) this.tokens.orphan(child);
    }
    this.tokens.delete(token.id);
    return this.#revokeLeasesOf(token);
  }

  /** Settles once the backend has finished revoking the lease; never rejects. */
  revokeLease(lease: LeaseEntry): Promise<void> {
    if (!this.leases.delete(lease.id)) return Promise.resolve();
    const pending = this.mountOf(lease)?.backend.revokeLease?.(lease);
    if (!pending) return Promise.resolve();
    const tracked = this.track(pending.catch(() => undefined));
    this.#revoking.add(tracked);
    void tracked.then(() => this.#revoking.delete(tracked));
    return tracked;
  }

  /**
   * Reports I/O a backend does outside any request (revoking a database user when its lease ends
   * on the clock) to a ManualClock, so that time does not move on before it is done.
   */
  track<T>(work: Promise<T>): Promise<T> {
    return this.clock.track ? this.clock.track(work) : work;
  }

  /** Waits for every revocation under way, including those begun while waiting. */
  async settled(): Promise<void> {
    while (this.#revoking.size > 0) await Promise.all([...this.#revoking]);
  }

  #revokeLeasesOf(token: TokenEntry): Promise<void> {
    return Promise.all(this.leases.byToken(token.id).map((lease) => this.revokeLease(lease))).then(
      () => undefined,
    );
  }

  /** Creates a token from an auth method's answer, capping its TTL at the effective max as Vault does. */
  issueToken(
    auth: AuthIntent,
    mount: MountInfo,
    path: string,
    namespace = this.namespaces.root,
  ): { token: TokenEntry; warnings: string[] } {
    const now = this.now();
    const { ttl, warnings } = calculateTtl({
      increment: 0,
      backendTtl: auth.ttl,
      period: auth.period,
      backendMaxTtl: auth.maxTtl,
      explicitMaxTtl: auth.explicitMaxTtl,
      issuedAt: now,
      now,
      mountDefaultTtl: mount.defaultLeaseTtl || SYSTEM_MAX_TTL,
      mountMaxTtl: mount.maxLeaseTtl || SYSTEM_MAX_TTL,
    });
    const token = this.tokens.create({
      id: this.newTokenId(auth.tokenType, namespace),
      namespaceId: namespace.id,
      policies: auth.policies,
      meta: auth.metadata,
      path,
      mountPath: mount.path,
      displayName: auth.displayName,
      entityId: auth.entityId,
      issuedAt: now,
      creationTtl: ttl,
      explicitMaxTtl: auth.explicitMaxTtl,
      maxTtl: auth.maxTtl,
      period: auth.period,
      expiresAt: now + ttl * 1000,
      renewable: auth.renewable,
      type: auth.tokenType,
      parent: '',
      numUses: auth.numUses,
      role: auth.role,
      boundCidrs: auth.boundCidrs ?? [],
    });
    return { token, warnings };
  }

  /** A generated token id; outside the root namespace it ends with the namespace's id. */
  newTokenId(type: 'service' | 'batch', namespace: Namespace): string {
    const id = type === 'batch' ? batchToken() : serviceToken();
    return namespace.id === ROOT_NAMESPACE_ID ? id : `${id}.${namespace.id}`;
  }

  /**
   * The ACL of a token: its named policies as its own namespace stores them now (Vault re-reads
   * them on every request).
   */
  aclFor(token: TokenEntry): Acl {
    return new Acl(this.namespaceOf(token).policies.resolve(token.policies));
  }

  /**
   * A path as the token's policies see it: policies are written relative to the token's
   * namespace, so a request in a child namespace is checked as `child/path`.
   */
  aclPath(token: TokenEntry, namespace: Namespace, path: string): string {
    return `${namespace.path.slice(this.namespaceOf(token).path.length)}${path}`;
  }

  async handle(
    req: CoreRequest,
  ): Promise<{ response: MockResponse; accessor?: string | undefined; unhandled: boolean }> {
    let accessor: string | undefined;
    let unhandled = false;
    let lastUse: TokenEntry | undefined;
    let response: MockResponse;
    const header = req.headers['x-vault-namespace'];
    try {
      const operation = operationOf(req);
      const wrapTtl = wrapTtlOf(req.headers);
      this.expire();
      // Vault CE puts every request in the root namespace whatever the header says (http/util.go
      // adjustRequest); Enterprise resolves the header and the path's prefix to a namespace.
      const resolved = this.enterprise
        ? this.namespaces.resolve(header, req.path)
        : { namespace: this.namespaces.root, path: req.path };
      if (!resolved) throw new VaultError(404, 'namespace not found');
      const { namespace } = resolved;
      if (this.sealed && !UNAUTHENTICATED_SYS.has(resolved.path))
        throw new VaultError(503, 'Vault is sealed');
      // handleCancelableRequest refuses these before it looks at the token.
      if ((operation === 'update' || operation === 'patch') && resolved.path.endsWith('/')) {
        throw new VaultError(400, "cannot write to a path ending in '/'");
      }
      if (namespace !== this.namespaces.root && isRootOnly(resolved.path)) {
        throw new VaultError(400, 'operation only available in root namespace');
      }

      // Vault's HTTP layer ends every list path with a slash before anything routes it.
      const path = operation === 'list' && !resolved.path.endsWith('/') ? `${resolved.path}/` : resolved.path;
      const route = namespace.mounts.match(path);
      const unauthenticated =
        UNAUTHENTICATED_SYS.has(path) ||
        (route !== undefined &&
          matchesSpecialPath(route.mounted.backend.unauthenticated, route.rest.replace(/\/$/, '')));

      let token: TokenEntry | undefined;
      if (req.path === 'sys/wrapping/unwrap' || req.path === 'sys/wrapping/lookup') {
        this.wrapping.validate(req.body, req.headers);
      }
      // The response-wrapping policy lets a wrapping token unwrap itself, and nothing else.
      const unwrapping =
        req.path === 'sys/wrapping/unwrap' &&
        this.wrapping.isWrappingToken(req.headers['x-vault-token'] ?? '');
      if (!unauthenticated) {
        token = this.#authenticate(req.headers, req.remoteAddress);
        accessor = token.accessor;
        // UseToken runs before the policy check, so a refused request spends a use too.
        if (this.tokens.use(token)) lastUse = token;
      }
      let backendReq: BackendRequest = {
        operation,
        path: route?.rest ?? path,
        fullPath: path,
        data: req.body,
        headers: req.headers,
        mount: route?.mounted.info ?? placeholderMount,
        namespace,
        token,
        now: this.now(),
        remoteAddress: req.remoteAddress,
      };
      // Vault's existence check turns a write into create or update, for policies and handlers alike.
      if (
        operation === 'update' &&
        route &&
        !existsFor(route.mounted.backend.routes, { ...backendReq, path: route.rest })
      ) {
        backendReq = { ...backendReq, operation: 'create' };
      }
      if (token && !unwrapping) this.#authorize(token, backendReq, route?.mounted.backend.rootPaths);
      if (!route) {
        unhandled = true;
        throw new VaultError(404, `no handler for route "${path}". route entry not found.`);
      }
      let result: BackendResult | null | undefined;
      try {
        result = await dispatch(route.mounted.backend.routes, backendReq);
      } catch (error) {
        if (error instanceof VaultError && /unsupported (path|operation)/.test(error.messages[0] ?? '')) {
          unhandled = true;
        }
        throw error;
      }
      response = this.wrapping.wrap(this.#respond(result, backendReq, token), wrapTtl, req.path, this.now());
    } catch (error) {
      response = errorResponse(error);
    }
    if (lastUse) response = await this.#spendLastUse(lastUse, response);
    // wrapGenericHandler sends the namespace header back on every answer, CE or not.
    if (header) response.headers['x-vault-namespace'] = header;
    return { response, accessor, unhandled };
  }

  /**
   * The deferred revocation of request_handling.go: a token's last use is allowed to finish, then
   * the token goes with its leases, so a lease it was just given cannot be handed out.
   */
  async #spendLastUse(token: TokenEntry, response: MockResponse): Promise<MockResponse> {
    await this.revokeToken(token);
    const leaseId = (response.body as { lease_id?: unknown } | undefined)?.lease_id;
    if (typeof leaseId !== 'string' || leaseId === '') return response;
    return errorResponse(
      badRequest(
        'Secret cannot be returned; token had one use left, so leased credentials were immediately revoked.',
      ),
    );
  }

  #authenticate(headers: Record<string, string | undefined>, remoteAddress: string | undefined): TokenEntry {
    // http/handler.go getTokenFromReq: X-Vault-Token first, else an Authorization value with the
    // exact prefix `Bearer ` (case and the single space matter); other schemes are not Vault's.
    const authorization = headers.authorization;
    const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
    const id = headers['x-vault-token'] || bearer;
    // Vault answers a missing token with the bare error, an unknown one with the multierror pair.
    if (!id) throw new VaultError(403, 'permission denied');
    const token = this.tokens.get(id);
    if (!token) throw invalidToken();
    // CheckToken: a token bound to address blocks is refused from anywhere else.
    if (token.boundCidrs?.length && !addressAllowed(remoteAddress, parseBlocks(token.boundCidrs))) {
      throw permissionDenied();
    }
    return token;
  }

  /**
   * The ACL check, with `sudo` as well on the backend's root-protected paths (PathsSpecial.Root).
   * A token acts only in its own namespace and the namespaces under it.
   */
  #authorize(token: TokenEntry, req: BackendRequest, rootPaths: readonly string[] | undefined): void {
    if (!within(req.namespace, this.namespaceOf(token))) throw permissionDenied();
    const acl = this.aclFor(token);
    if (acl.isRoot) return;
    const path = this.aclPath(token, req.namespace, req.fullPath);
    const allowed = acl.allows(path, req.operation);
    const needsSudo = matchesSpecialPath(rootPaths, req.path);
    if (!allowed || (needsSudo && !acl.allows(path, 'sudo'))) throw permissionDenied();
  }

  /** SudoPrivilege: whether the token holds `sudo` on the request's path (the root policy always does). */
  hasSudo(token: TokenEntry, req: Pick<BackendRequest, 'namespace' | 'fullPath'>): boolean {
    const acl = this.aclFor(token);
    return acl.isRoot || acl.allows(this.aclPath(token, req.namespace, req.fullPath), 'sudo');
  }

  #respond(
    result: BackendResult | null | undefined,
    req: BackendRequest,
    token: TokenEntry | undefined,
  ): MockResponse {
    const headers = jsonHeaders();
    if (result?.raw) {
      return {
        status: result.status ?? 200,
        headers: { ...headers, 'content-type': result.raw.contentType },
        rawBody: result.raw.body,
      };
    }
    if (!result) {
      if (req.operation === 'read' || req.operation === 'list')
        return { status: 404, headers, body: { errors: [] } };
      return { status: 204, headers };
    }
    if (req.operation === 'list') {
      const keys = result.data?.keys;
      if (!Array.isArray(keys) || keys.length === 0) return { status: 404, headers, body: { errors: [] } };
    }
    const body: Record<string, unknown> = {
      request_id: uuid(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data: result.data ?? null,
      wrap_info: null,
      warnings: result.warnings?.length ? result.warnings : null,
      auth: null,
      mount_type: req.mount.type,
    };
    if (result.secret) {
      if (!token) throw new VaultError(500, 'internal error');
      const lease = this.leases.create({
        namespaceId: req.namespace.id,
        path: req.fullPath.replace(/\/$/, ''),
        mountPath: req.mount.path,
        issuedAt: req.now,
        expiresAt: req.now + result.secret.ttl * 1000,
        renewable: result.secret.renewable,
        tokenId: token.id,
        tokenAccessor: token.accessor,
        internal: result.secret.internal,
      });
      Object.assign(body, {
        lease_id: lease.id,
        renewable: lease.renewable,
        lease_duration: result.secret.ttl,
      });
    }
    if (result.auth) {
      const issued = this.issueToken(result.auth, req.mount, req.fullPath, req.namespace);
      body.auth = authBlock(issued.token, result.auth);
      const warnings = [...(result.warnings ?? []), ...issued.warnings];
      body.warnings = warnings.length ? warnings : null;
    }
    if (result.authBlock) body.auth = result.authBlock;
    if (result.leaseFields) Object.assign(body, result.leaseFields);
    if (result.injectDataIntoTop && result.data) Object.assign(body, result.data);
    const empty =
      !result.data &&
      !result.auth &&
      !result.authBlock &&
      !result.secret &&
      !result.leaseFields &&
      body.warnings === null;
    if (empty) return { status: result.status ?? 204, headers };
    return { status: result.status ?? 200, headers, body };
  }
}

const placeholderMount: MountInfo = {
  path: '',
  type: '',
  accessor: '',
  uuid: '',
  description: '',
  defaultLeaseTtl: 0,
  maxLeaseTtl: 0,
  options: {},
};

/** Whether a path is one of the sys/ APIs only the root namespace may use. */
function isRootOnly(path: string): boolean {
  if (!path.startsWith('sys/')) return false;
  const rest = path.slice('sys/'.length).replace(/\/$/, '');
  return ROOT_ONLY_SYS.some((prefix) => rest === prefix || rest.startsWith(`${prefix}/`));
}

const parseBlocks = (texts: readonly string[]) =>
  texts.flatMap((text) => {
    const block = parseAddressBlock(text);
    return block ? [block] : [];
  });

/** Vault's mapping of HTTP verbs to logical operations (PUT and POST are the same). */
function operationOf(req: CoreRequest): Operation {
  switch (req.method) {
    case 'HEAD':
      if (req.path === 'sys/health') return 'read';
      throw new VaultError(405, []);
    case 'GET': {
      const list = req.query.get('list');
      if (list === null) return 'read';
      if (!/^(1|t|T|TRUE|true|True|0|f|F|FALSE|false|False)$/.test(list)) throw new VaultError(400, []);
      return /^(1|t|T|TRUE|true|True)$/.test(list) ? 'list' : 'read';
    }
    case 'LIST':
      return 'list';
    case 'POST':
    case 'PUT':
      return 'update';
    case 'DELETE':
      return 'delete';
    case 'PATCH':
      return 'patch';
    default:
      throw new VaultError(405, []);
  }
}
