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
import { ClientClosedError, VaultNotFoundError } from './errors';
import { EventHub } from './events';
import { checkRequest } from './http/request-check';
import type { CallKind } from './http/retry-policy';
import { Transport } from './http/transport';
import { parseEnvelope } from './http/vault-response';
import { hideFromInspection, maskValues, Redactor, redactingLogger } from './internal/redact';
import { Timers } from './internal/timers';
import { LeaseApi } from './leases/lease-api';
import { SecretManager } from './leases/secret-manager';
import { type ResolvedOptions, resolveOptions } from './options';
import { assertSchema, checkSchemaAsync } from './schema-check';
import { attachTelemetry, type Telemetry } from './telemetry/client-telemetry';
import { publishRequests } from './telemetry/interim-request-channels';
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
  readonly #events: EventHub;
  readonly #timers: Timers;
  readonly #transport: Transport;
  readonly #tokens: TokenManager;
  readonly #secrets: SecretManager;
  readonly #telemetry: Telemetry;
  #closing: Promise<void> | undefined;

  constructor(options: ClientOptions = {}) {
    const resolved = resolveOptions(options);
    this.#options = { ...resolved, logger: redactingLogger(resolved.logger, this.#redactor) };
    this.#events = new EventHub(this.#options.logger, this.#options.clock);
    this.#timers = new Timers(this.#options.clock, (error, name) =>
      this.#options.logger.error(
        { timer: name },
        `background task failed: ${this.#redactor.text(String(error))}`,
      ),
    );
    this.#transport = publishRequests(new Transport(this.#options, this.#redactor, this.#closer.signal)); // INTERIM-C2
    this.#tokens = new TokenManager(
      this.#options,
      this.#transport,
      this.#timers,
      this.#events,
      this.#redactor,
    );
    const leases = new LeaseApi(this.#options, this.#transport, this.#tokens, this.#events);
    this.#secrets = new SecretManager(
      {
        options: this.#options,
        timers: this.#timers,
        events: this.#events,
        read: (request, call) => leases.read(request, call),
        renewLease: (id, incrementMs) => leases.renew(id, incrementMs),
        revokeLease: (id) => leases.revoke(id),
      },
      (token, afterMs) => this.#tokens.retire(token, afterMs),
    );
    this.#tokens.onNewToken((_current, previous, reason) => this.#secrets.onNewToken(previous, reason));
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

  /** Logs in now rather than at the first call, so a misconfiguration shows at startup. */
  async start(options: { signal?: AbortSignal | undefined } = {}): Promise<void> {
    this.#ensureOpen();
    await this.#tokens.start(options);
  }

  /** The current token's accessor, policies and TTL; never the token. */
  tokenInfo(): TokenInfo | undefined {
    return this.#tokens.info();
  }

  on<K extends EventName>(name: K, listener: Listener<K>): this {
    this.#events.on(name, listener);
    return this;
  }

  once<K extends EventName>(name: K, listener: Listener<K>): this {
    this.#events.once(name, listener);
    return this;
  }

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
    options: SecretOptions<S> = {},
  ): Promise<Secret<DataOf<S>>> {
    if (this.#closer.signal.aborted || this.#closing) return Promise.reject(new ClientClosedError());
    try {
      assertSchema(options.schema);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#secrets.get<DataOf<S>>(path, options);
  }

  /**
   * The current value of a secret now, and every new value after (with the previous one and the
   * reason), until the returned function is called. A listener that throws is reported as an
   * `error` event and never stops the secret's upkeep. What a connection pool hooks into.
   */
  watch<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    listener: SecretListener<DataOf<S>>,
    options: SecretOptions<S> = {},
  ): Subscription<DataOf<S>> {
    this.#ensureOpen();
    assertSchema(options.schema);
    return this.#secrets.watch(path, listener, options);
  }

  /** Fetches a new secret now (a new credential for a dynamic one); the old lease is revoked after the grace period. */
  async rotate<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    options: SecretOptions<S> = {},
  ): Promise<Secret<DataOf<S>>> {
    this.#ensureOpen();
    assertSchema(options.schema);
    return this.#secrets.rotate<DataOf<S>>(path, options);
  }

  /** Drops a cached secret; the next `secret()` fetches it anew. Its lease is left to expire. */
  invalidate(path: string, options: { body?: Record<string, unknown> | undefined } = {}): boolean {
    return this.#secrets.invalidate(path, options);
  }

  /** An uncached read. Throws VaultNotFoundError when there is nothing at the path. */
  async read<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    options: ReadOptions<S> = {},
  ): Promise<VaultResponse<DataOf<S>>> {
    return this.request<S>({ ...options, method: 'GET', path });
  }

  /** Writes `body` to a path; `data` is null when Vault answers 204. */
  async write<S extends StandardSchemaV1 | undefined = undefined>(
    path: string,
    body: Record<string, unknown> = {},
    options: ReadOptions<S> & { idempotent?: boolean | undefined } = {},
  ): Promise<VaultResponse<DataOf<S> | null>> {
    return this.request<S>({ ...options, method: 'POST', path, body }) as Promise<
      VaultResponse<DataOf<S> | null>
    >;
  }

  /** The keys under a path (folders end with `/`); empty when there are none. */
  async list(path: string, options: ReadOptions = {}): Promise<string[]> {
    try {
      const res = await this.request({ ...options, method: 'LIST', path });
      const keys = (res.data as { keys?: unknown } | null)?.keys;
      return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
    } catch (error) {
      // Vault answers an empty listing with 404.
      if (error instanceof VaultNotFoundError && error.reasons.length === 0) return [];
      throw error;
    }
  }

  async delete(path: string, options: ReadOptions = {}): Promise<void> {
    await this.request({ ...options, method: 'DELETE', path });
  }

  /** Any Vault call: method, path, body, query; typed through an optional schema for `data`. */
  async request<S extends StandardSchemaV1 | undefined = undefined>(
    spec: RequestSpec<S>,
  ): Promise<VaultResponse<DataOf<S>>> {
    this.#ensureOpen();
    const { method, path } = spec;
    // Bad arguments (path, method, body, query, per-call options) or a bad schema fail here,
    // before any I/O or a login is spent on them.
    checkRequest(spec);
    assertSchema(spec.schema);
    const res = await this.#tokens.run(
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
        }),
      spec,
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

  /** Stops every timer and aborts calls in flight; with `revoke`, revokes the token first. Idempotent. */
  close(options: CloseOptions = {}): Promise<void> {
    this.#closing ??= (async () => {
      const revoke = options.revoke === true;
      await this.#secrets.close(revoke);
      this.#timers.close();
      await this.#tokens.close(revoke);
      this.#closer.abort(new ClientClosedError());
      await this.#transport.close();
      this.#events.removeAll();
      this.#telemetry.close();
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #ensureOpen(): void {
    if (this.#closer.signal.aborted || this.#closing) throw new ClientClosedError();
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

/** How safe a call is to repeat; see the retry policy. */
function kindOf(method: string, path: string, idempotent: boolean | undefined): CallKind {
  if (method === 'GET' || method === 'LIST')
    return /(^|\/)creds\//.test(path) ? 'lease-creating-read' : 'read';
  if (method === 'DELETE') return 'read';
  return idempotent ? 'idempotent-write' : 'write';
}
