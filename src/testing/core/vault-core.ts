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
import { ResponseWrapping, wrapTtlOf } from './response-wrapping';
import { dispatch, existsFor } from './routes';
import type { AuthIntent, BackendRequest, BackendResult, MockResponse, MountInfo, Operation } from './types';
import { invalidToken, permissionDenied, VaultError } from './vault-error';

export interface CoreClock {
  now(): number;
  /** Present on the mock's ManualClock: lets a backend act at a time on the mock's clock (a lease's end). */
  setTimeout?(callback: () => unknown, ms: number): unknown;
  clearTimeout?(handle: unknown): void;
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
/** Root-protected paths: a non-root token needs `sudo` on them as well. */
const SUDO_PREFIXES = [
  'sys/auth/',
  'sys/seal',
  'sys/leases/revoke-prefix/',
  'sys/leases/revoke-force/',
  'sys/raw',
];
const SUDO_EXACT = new Set(['sys/auth', 'sys/leases/lookup/']);

/**
 * The mock's Vault: the request pipeline (seal, token, policy, routing, leases, audit) in the
 * order real Vault's core runs it, over in-memory stores. HTTP is handled elsewhere; every
 * programmatic helper of the mock also comes through `handle`, so there is one implementation.
 */
export class VaultCore {
  readonly tokens = new TokenStore();
  readonly leases = new LeaseStore();
  readonly mounts = new MountTable();
  readonly policies = new PolicyStore();
  readonly audit = new AuditLog();
  readonly wrapping = new ResponseWrapping(this.tokens);
  sealed = false;
  readonly unhandled: string[] = [];
  /** The plugin catalog: engine and auth method types that `sys/mounts` and `sys/auth` can enable. */
  readonly engines = new Map<string, MockEngine | BuiltinEngine>();
  /** Revocations a backend is still carrying out (a database dropping a user). */
  readonly #revoking = new Set<Promise<void>>();

  constructor(
    readonly clock: CoreClock,
    readonly namespaces: readonly string[],
  ) {}

  now(): number {
    return this.clock.now();
  }

  /** Adds engines to the catalog; a name already there is replaced (a user may swap a built-in). */
  registerEngines(catalog: EngineCatalog): void {
    for (const [type, engine] of Object.entries(catalog)) this.engines.set(type, engine);
  }

  /** Mounts an engine of the catalog at `path` (with its trailing slash; `auth/` for auth methods). */
  mount(path: string, type: string, settings: Partial<MountInfo> = {}): Mounted {
    const engine = this.engines.get(type);
    if (!engine) throw new VaultError(400, `plugin not found in the catalog: ${type}`);
    return this.mountBackend(path, type, (context) => engine.create(context), settings);
  }

  /** Mounts a backend outside the catalog: the system backend and the token store. */
  mountBackend(
    path: string,
    type: string,
    create: (context: EngineContext) => Backend,
    settings: Partial<MountInfo> = {},
  ): Mounted {
    const mounted = this.mounts.add(path, type, { routes: [] }, settings);
    mounted.backend = create({ mount: mounted.info, now: () => this.now() });
    return mounted;
  }

  /**
   * Disables a mount: its leases are revoked and, for an auth method, the tokens it issued; then
   * the backend lets go of what it holds outside (a database's connections), as Vault closes a plugin.
   */
  async unmount(path: string): Promise<void> {
    const done: Promise<void>[] = [];
    for (const lease of this.leases.byPrefix(path)) done.push(this.revokeLease(lease));
    for (const token of this.tokens.all()) if (token.mountPath === path) done.push(this.revokeToken(token));
    await Promise.all(done);
    await this.mounts.remove(path)?.backend.dispose?.();
  }

  /** Ends every token and lease whose time is up, as Vault's expiration manager does in the background. */
  expire(): void {
    const now = this.now();
    for (const token of this.tokens.sweep(now)) void this.#revokeLeasesOf(token);
    for (const lease of this.leases.expiredAt(now)) void this.revokeLease(lease);
  }

  /** Settles once the backends have finished revoking its leases (at once when none does I/O). */
  revokeToken(token: TokenEntry): Promise<void> {
    this.tokens.delete(token.id);
    return this.#revokeLeasesOf(token);
  }

  /** Settles once the backend has finished revoking the lease; never rejects. */
  revokeLease(lease: LeaseEntry): Promise<void> {
    if (!this.leases.delete(lease.id)) return Promise.resolve();
    const pending = this.mounts.get(lease.mountPath)?.backend.revokeLease?.(lease);
    if (!pending) return Promise.resolve();
    const tracked = pending.catch(() => undefined);
    this.#revoking.add(tracked);
    void tracked.then(() => this.#revoking.delete(tracked));
    return tracked;
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
  issueToken(auth: AuthIntent, mount: MountInfo, path: string): { token: TokenEntry; warnings: string[] } {
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
      id: auth.tokenType === 'batch' ? batchToken() : serviceToken(),
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
      orphan: true,
      numUses: auth.numUses,
      role: auth.role,
      boundCidrs: auth.boundCidrs ?? [],
    });
    return { token, warnings };
  }

  /** The ACL of a token: its named policies as stored now (Vault re-reads them on every request). */
  aclFor(token: TokenEntry): Acl {
    return new Acl(this.policies.resolve(token.policies));
  }

  async handle(req: CoreRequest): Promise<{ response: MockResponse; accessor?: string; unhandled: boolean }> {
    let accessor: string | undefined;
    let unhandled = false;
    try {
      const operation = operationOf(req);
      const wrapTtl = wrapTtlOf(req.headers);
      this.expire();
      if (this.sealed && !UNAUTHENTICATED_SYS.has(req.path)) throw new VaultError(503, 'Vault is sealed');
      this.#checkNamespace(req.headers['x-vault-namespace']);
      // handleCancelableRequest refuses these before it looks at the token.
      if ((operation === 'update' || operation === 'patch') && req.path.endsWith('/')) {
        throw new VaultError(400, "cannot write to a path ending in '/'");
      }

      // Vault's HTTP layer ends every list path with a slash before anything routes it.
      const path = operation === 'list' && !req.path.endsWith('/') ? `${req.path}/` : req.path;
      const route = this.mounts.match(path);
      const unauthenticated =
        UNAUTHENTICATED_SYS.has(path) ||
        (route?.mounted.backend.unauthenticated?.some((special) =>
          // PathsSpecial entries ending in '*' are prefixes (userpass's `login/*`).
          special.endsWith('*')
            ? route.rest.startsWith(special.slice(0, -1))
            : special === route.rest.replace(/\/$/, ''),
        ) ??
          false);

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
      }
      let backendReq: BackendRequest = {
        operation,
        path: route?.rest ?? path,
        fullPath: path,
        data: req.body,
        headers: req.headers,
        mount: route?.mounted.info ?? placeholderMount,
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
      if (token && !unwrapping) this.#authorize(token, backendReq);
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
      const response = this.wrapping.wrap(
        this.#respond(result, backendReq, token),
        wrapTtl,
        req.path,
        this.now(),
      );
      return { response, accessor, unhandled };
    } catch (error) {
      return { response: errorResponse(error), accessor, unhandled };
    }
  }

  #checkNamespace(namespace: string | undefined): void {
    const name = namespace?.replace(/^\/+|\/+$/g, '') ?? '';
    if (name === '' || name === 'root') return;
    // Vault CE refuses namespaces; the mock plays Enterprise only for the namespaces it was given.
    if (!this.namespaces.includes(name)) throw VaultError.wrapped(403, 'namespaces feature not enabled');
  }

  #authenticate(headers: Record<string, string | undefined>, remoteAddress: string | undefined): TokenEntry {
    const bearer = headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
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

  #authorize(token: TokenEntry, req: BackendRequest): void {
    const acl = this.aclFor(token);
    if (acl.isRoot) return;
    const capability = req.operation;
    const path = req.fullPath;
    const allowed = acl.allows(path, capability);
    const needsSudo = SUDO_EXACT.has(path) || SUDO_PREFIXES.some((prefix) => path.startsWith(prefix));
    if (!allowed || (needsSudo && !acl.allows(path, 'sudo'))) throw permissionDenied();
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
      const issued = this.issueToken(result.auth, req.mount, req.fullPath);
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
