import { TokenManager } from './auth/token-manager';
import {
  type DatabaseEngine,
  databaseEngine,
  type KvEngine,
  kvEngine,
  type PkiEngine,
  pkiEngine,
  type TransitEngine,
  transitEngine,
} from './engines';
import { ClientClosedError, InvalidRequestError, VaultNotFoundError } from './errors';
import { EventHub } from './events';
import { deadlineFrom } from './http/deadline';
import { CALL_OPTION_KEYS, checkCallOptions, checkRequest, readOnce } from './http/request-check';
import type { CallKind } from './http/retry-policy';
import { Transport } from './http/transport';
import { parseEnvelope } from './http/vault-response';
import { Monotonic } from './internal/clock';
import { KeepAlive } from './internal/keep-alive';
import { hideFromInspection, maskValues, Redactor, redactingLogger } from './internal/redact';
import { safeString } from './internal/thrown';
import { Timers } from './internal/timers';
import { LeaseApi } from './leases/lease-api';
import { SecretManager } from './leases/secret-manager';
import { type ResolvedOptions, resolveOptions } from './options';
import { assertSchema, checkSchemaAsync } from './schema-check';
import { attachTelemetry, type Telemetry } from './telemetry/client-telemetry';
import type { TokenInfo } from './types/auth';
import type { EventName, Listener } from './types/events';
import type { ClientOptions } from './types/options';
import type { CloseOptions, LeaseInfo, ReadOptions, RequestSpec, VaultResponse } from './types/requests';
import type { Secret, SecretListener, SecretOptions, Subscription } from './types/secret';
import type { DataOf, StandardSchemaV1 } from './types/standard-schema';

/**
 * A Vault client for a Node service on Kubernetes. It logs in with the pod's service account,
 * keeps its token valid (renewal, re-login, backoff) and gives typed access to Vault.
 *
 * The constructor validates options and does no I/O; the first call (or `start()`) logs in.
 */
export class VaultKubernetesClient {
  readonly #options: ResolvedOptions;
  readonly #redactor = new Redactor();
  readonly #closer = new AbortController();
  /** `#closer.signal.aborted`, set just before the abort: read on every `secret()`. */
  #aborted = false;
  readonly #alive = new KeepAlive();
  readonly #hold = <R>(work: Promise<R>): Promise<R> => this.#alive.around(work);
  readonly #events: EventHub;
  readonly #timers: Timers;
  readonly #transport: Transport;
  readonly #tokens: TokenManager;
  readonly #leases: LeaseApi;
  readonly #secrets: SecretManager;
  readonly #telemetry: Telemetry;
  #closing: Promise<void> | undefined;

  constructor(options: ClientOptions = {}) {
    const resolved = resolveOptions(options);
    this.#options = { ...resolved, logger: redactingLogger(resolved.logger, this.#redactor) };
    const time = new Monotonic(this.#options.clock);
    this.#events = new EventHub(this.#options.logger, this.#options.clock);
    this.#timers = new Timers(
      this.#options.clock,
      (error, name) =>
        this.#options.logger.error(
          { timer: name },
          `background task failed: ${this.#redactor.text(safeString(error))}`,
        ),
      () => time.now(),
    );
    this.#transport = new Transport(this.#options, this.#redactor, this.#closer.signal);
    this.#tokens = new TokenManager(
      this.#options,
      this.#transport,
      this.#timers,
      this.#events,
      this.#redactor,
      time,
    );
    const leases = new LeaseApi(this.#options, this.#transport, this.#tokens, this.#events);
    this.#leases = leases;
    const transport = this.#transport;
    this.#secrets = new SecretManager(
      {
        options: this.#options,
        timers: this.#timers,
        events: this.#events,
        time,
        read: (request, call) => leases.read(request, call),
        renewLease: (id, incrementMs, call) => leases.renew(id, incrementMs, call),
        revokeLease: (id) => leases.revoke(id),
        skewMs: () => skewOf(transport),
      },
      (token, afterMs) => this.#tokens.retire(token, afterMs),
    );
    this.#tokens.onNewToken((change) => this.#secrets.onNewToken(change));
    this.#telemetry = attachTelemetry({
      enabled: this.#options.telemetry,
      address: this.#options.address,
      observe: (observer) => this.#events.observe(observer),
      tokenTtlMs: () => this.#tokens.info()?.ttlMs,
      cachedSecrets: () => this.#secrets.size,
    });
    hideFromInspection(this, () => ({
      address: this.#options.address,
      namespace: this.#options.namespace,
      auth: this.#options.auth.method,
      token: this.#tokens.info(),
      closed: this.closed,
    }));
  }

  get closed(): boolean {
    return this.#closer.signal.aborted;
  }

  /**
   * Logs in now rather than at the first call, so a misconfiguration shows at startup. While it is
   * awaited the process stays alive, and it settles: a token, or the typed error (Vault refused,
   * sealed, unreachable) once the configured retries are spent.
   */
  async start(options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    this.#ensureOpen();
    options = readOnce(options, START_KEYS, 'options') as { signal?: AbortSignal };
    checkCallOptions(options);
    const deadline = deadlineFrom(this.#options.timeouts.totalMs, this.#options.clock);
    await this.#alive.around(this.#tokens.start(options, deadline));
  }

  /** The current token's accessor, policies and TTL; never the token. Throws ClientClosedError after close(). */
  tokenInfo(): TokenInfo | undefined {
    this.#ensureOpen();
    return this.#tokens.info();
  }

  on<K extends EventName>(name: K, listener: Listener<K>): this {
    this.#ensureOpen();
    this.#events.on(name, listener);
    return this;
  }

  once<K extends EventName>(name: K, listener: Listener<K>): this {
    this.#ensureOpen();
    this.#events.once(name, listener);
    return this;
  }

  /**
   * Removes every registration of `listener` for `name` (registered twice, removed by one call).
   * Inert after close(), where every listener is gone already: cleanup code may call it freely.
   */
  off<K extends EventName>(name: K, listener: Listener<K>): this {
    this.#events.off(name, listener);
    return this;
  }

  /**
   * A managed, cached secret: fetched once however many callers ask at the same time, kept valid
   * in the background (lease renewal, replacement before max TTL, KV version polling, certificate
   * re-issue) and served from the cache while valid, also while Vault is unreachable. KV v2 is
   * unwrapped: `data` holds the key/values, `version` and `metadata` sit beside it.
   */
  secret<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    options?: SecretOptions<S>,
  ): Promise<Secret<DataOf<S>>> {
    // The cached hit is the hot path: a plain field rather than AbortSignal's `aborted` getter.
    if (this.#aborted || this.#closing) return Promise.reject(new ClientClosedError());
    let own: SecretOptions<S> | undefined;
    try {
      own = secretOptions(options);
      assertSchema(own?.schema);
    } catch (error) {
      return Promise.reject(error);
    }
    // A cache hit is already settled; a miss keeps the process alive until it settles.
    return this.#secrets.get<DataOf<S>>(path, own, this.#hold);
  }

  /**
   * The current value of a managed secret, synchronously, if one is cached and still valid (never
   * past its lease's end); undefined otherwise. No I/O and no promise: what per-request code wants
   * once `secret()` or `watch()` has loaded it. Throws ClientClosedError after close().
   */
  current<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    options?: SecretOptions<S>,
  ): Secret<DataOf<S>> | undefined {
    if (this.#closing !== undefined) throw new ClientClosedError();
    return this.#secrets.current<DataOf<S>>(path, secretOptions(options));
  }

  /**
   * The current value of a secret now, and every new value after (with the previous one and the
   * reason), until the returned function is called. A listener that throws is reported as an
   * `error` event and never stops the secret's upkeep. What a connection pool hooks into.
   */
  watch<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    listener: SecretListener<DataOf<S>>,
    options?: SecretOptions<S>,
  ): Subscription<DataOf<S>> {
    this.#ensureOpen();
    const own = secretOptions(options);
    assertSchema(own?.schema);
    if (typeof listener !== 'function')
      throw new InvalidRequestError(
        'watch() takes a listener function: watch(path, (secret, change) => { ... })',
      );
    const subscription = this.#secrets.watch(path, listener, own);
    void this.#alive.around(subscription.ready).catch(() => undefined);
    return subscription;
  }

  /** Fetches a new secret now (a new credential for a dynamic one); the old lease is revoked after the grace period. */
  async rotate<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    options?: SecretOptions<S>,
  ): Promise<Secret<DataOf<S>>> {
    this.#ensureOpen();
    const own = secretOptions(options);
    assertSchema(own?.schema);
    return this.#alive.around(this.#secrets.rotate<DataOf<S>>(path, own));
  }

  /** Drops a cached secret; the next `secret()` fetches it anew. Its lease is left to expire. */
  invalidate(
    path: string,
    options: { body?: Record<string, unknown> | undefined; namespace?: string | undefined } = {},
  ): boolean {
    this.#ensureOpen();
    return this.#secrets.invalidate(path, readOnce(options, IDENTITY_KEYS, 'options') as typeof options);
  }

  /** An uncached read. Throws VaultNotFoundError when there is nothing at the path. */
  async read<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    options: ReadOptions<S> = {},
  ): Promise<VaultResponse<DataOf<S>>> {
    return this.request<S>({
      ...readOnce(options, READ_KEYS, 'options'),
      method: 'GET',
      path,
    } as RequestSpec<S>);
  }

  /** Writes `body` to a path; `data` is null when Vault answers 204. */
  async write<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    body: Record<string, unknown> = {},
    options: ReadOptions<S> & { idempotent?: boolean | undefined } = {},
  ): Promise<VaultResponse<DataOf<S> | null>> {
    const own = readOnce(options, WRITE_KEYS, 'options');
    return this.request<S>({ ...own, method: 'POST', path, body } as RequestSpec<S>) as Promise<
      VaultResponse<DataOf<S> | null>
    >;
  }

  /** The keys under a path (folders end with `/`); empty when there are none. */
  async list(path: string, options: ReadOptions = {}): Promise<string[]> {
    try {
      const res = await this.request({
        ...readOnce(options, READ_KEYS, 'options'),
        method: 'LIST',
        path,
      } as RequestSpec);
      const keys = (res.data as { keys?: unknown } | null)?.keys;
      return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
    } catch (error) {
      // Vault answers an empty listing with 404.
      if (error instanceof VaultNotFoundError && error.reasons.length === 0) return [];
      throw error;
    }
  }

  async delete(path: string, options: ReadOptions = {}): Promise<void> {
    await this.request({ ...readOnce(options, READ_KEYS, 'options'), method: 'DELETE', path } as RequestSpec);
  }

  /** Any Vault call: method, path, body, query; typed through an optional schema for `data`. */
  async request<S extends StandardSchemaV1 | undefined = undefined>(
    input: RequestSpec<S>,
  ): Promise<VaultResponse<DataOf<S>>> {
    this.#ensureOpen();
    // Read once: what is checked below is what is sent.
    const spec = readOnce(input, REQUEST_KEYS, 'the request') as RequestSpec<S>;
    const { method, path } = spec;
    // Bad arguments (path, method, body, query, per-call options) or a bad schema fail here,
    // before any I/O or a login is spent on them.
    checkRequest(spec);
    assertSchema(spec.schema);
    // One deadline from entry, for the attempts, the waits between them and any login on the way.
    const deadline = deadlineFrom(this.#options.timeouts.totalMs, this.#options.clock);
    const res = await this.#alive.around(
      this.#tokens.run(
        (token) =>
          this.#transport.send({
            method: method === 'LIST' ? 'GET' : method,
            list: method === 'LIST',
            path,
            token,
            kind: kindOf(method, path, spec.idempotent),
            ...(spec.body !== undefined ? { body: spec.body } : {}),
            ...(spec.query ? { query: spec.query } : {}),
            ...(method === 'PATCH' ? { contentType: 'application/merge-patch+json' } : {}),
            call: spec,
            deadline,
          }),
        spec,
        deadline,
      ),
    );
    return this.#toResponse(res.body, res.status, path, spec.schema);
  }

  /** Typed KV calls on a mount (default `secret`), v1 or v2: chosen, or detected at the first call. */
  kv(mount = 'secret', options: { version?: 1 | 2 | undefined } = {}): KvEngine {
    return kvEngine(this, mount, options);
  }

  /** Typed transit calls (encrypt, decrypt, rewrap, batches, data keys) on a mount (default `transit`). */
  transit(mount = 'transit'): TransitEngine {
    return transitEngine(this, mount);
  }

  /** Typed PKI calls (issue, sign, managed certificates) on a mount (default `pki`). */
  pki(mount = 'pki'): PkiEngine {
    return pkiEngine(this, mount);
  }

  /** Typed, managed database credentials (dynamic and static) on a mount (default `database`). */
  database(mount = 'database'): DatabaseEngine {
    return databaseEngine(this, mount);
  }

  /**
   * Aborts calls in flight (they reject with ClientClosedError), stops every timer and, with
   * `revoke`, revokes the leases and tokens it holds, giving up after `timeoutMs` (default 5 s) so
   * that close() fits in Kubernetes' 30 s grace period whatever Vault does. Always settles;
   * idempotent. Afterwards nothing of the client keeps the process alive.
   */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= this.#alive.around(this.#shutdown(options));
    return this.#closing;
  }

  async #shutdown(options: CloseOptions): Promise<void> {
    const revoke = options.revoke === true;
    const timeoutMs = closeTimeoutOf(options.timeoutMs);
    // What to revoke is taken before anything stops; then every call in flight is aborted at once.
    const token = this.#tokens.held()?.token;
    const tokens = revoke ? this.#tokens.revocable() : [];
    const leaseIds = this.#secrets.stop();
    this.#tokens.stop();
    this.#timers.close();
    this.#aborted = true;
    this.#closer.abort(new ClientClosedError());
    try {
      if (revoke) await this.#revoke(leaseIds, token, tokens, timeoutMs);
    } finally {
      await this.#transport.close();
      this.#events.removeAll();
      this.#telemetry.close();
    }
  }

  /** Revocations on a transport of their own (the client's is closed), bounded by `timeoutMs` on the client's clock. */
  async #revoke(
    leaseIds: readonly string[],
    token: string | undefined,
    tokens: Parameters<TokenManager['revoke']>[0],
    timeoutMs: number,
  ): Promise<void> {
    const { clock } = this.#options;
    const bound = new AbortController();
    const via = new Transport(this.#options, this.#redactor, bound.signal);
    const timer = clock.setTimeout(() => bound.abort(new ClientClosedError()), timeoutMs);
    try {
      // Leases first: revoking the token would make the lease revocations fail (and ends them anyway).
      await this.#leases.revokeAll(leaseIds, token, via);
      await this.#tokens.revoke(tokens, via);
    } finally {
      clock.clearTimeout(timer);
      bound.abort(new ClientClosedError());
      await via.close();
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #ensureOpen(): void {
    if (this.#closing !== undefined) throw new ClientClosedError();
  }

  async #toResponse<S extends StandardSchemaV1 | undefined>(
    body: unknown,
    status: number,
    path: string,
    schema: S | undefined,
  ): Promise<VaultResponse<DataOf<S>>> {
    const envelope = parseEnvelope(body, { path, status });
    const data = await checkSchemaAsync(path, envelope.data ?? null, schema);
    const now = this.#options.clock.now();
    const leaseId = envelope.lease_id ?? '';
    const ttlMs = (envelope.lease_duration ?? 0) * 1000;
    const lease: LeaseInfo | undefined = leaseId
      ? { id: leaseId, ttlMs, renewable: envelope.renewable === true, expiresAt: now + ttlMs }
      : undefined;
    const response: VaultResponse<DataOf<S>> = {
      data: data as DataOf<S>,
      lease,
      warnings: envelope.warnings ?? [],
      requestId: envelope.request_id,
      mountType: envelope.mount_type,
    };
    hideFromInspection(response, () => ({ ...response, data: maskValues(response.data) }));
    return response;
  }
}

const START_KEYS = ['signal'] as const;
const IDENTITY_KEYS = ['body', 'namespace'] as const;
const SECRET_KEYS = [...CALL_OPTION_KEYS, 'body', 'schema'] as const;
const READ_KEYS = [...CALL_OPTION_KEYS, 'schema', 'query'] as const;
const WRITE_KEYS = [...READ_KEYS, 'idempotent'] as const;
const REQUEST_KEYS = [...WRITE_KEYS, 'method', 'path', 'body'] as const;

/** A managed secret's options, read once (none stays none: the cached hot path allocates nothing). */
function secretOptions<S extends StandardSchemaV1 | undefined>(
  options: SecretOptions<S> | undefined,
): SecretOptions<S> | undefined {
  return options === undefined ? undefined : (readOnce(options, SECRET_KEYS, 'options') as SecretOptions<S>);
}

/** How long close({ revoke }) spends on revocations at most: well inside Kubernetes' 30 s grace period. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;

function closeTimeoutOf(timeoutMs: number | undefined): number {
  return typeof timeoutMs === 'number' && timeoutMs >= 0 && Number.isFinite(timeoutMs)
    ? timeoutMs
    : DEFAULT_CLOSE_TIMEOUT_MS;
}

/**
 * How far Vault's clock is ahead of the pod's (negative: behind), as the transport estimates it
 * from Vault's `Date` header (contract C5).
 */
function skewOf(transport: Transport): number {
  const skew = transport.skewMs();
  return Number.isFinite(skew) ? skew : 0;
}

/** How safe a call is to repeat; see the retry policy. */
function kindOf(method: string, path: string, idempotent: boolean | undefined): CallKind {
  if (method === 'GET' || method === 'LIST')
    return /(^|\/)creds\//.test(path) ? 'lease-creating-read' : 'read';
  if (method === 'DELETE') return 'read';
  return idempotent ? 'idempotent-write' : 'write';
}
