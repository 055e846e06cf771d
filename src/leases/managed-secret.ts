import {
  asClientError,
  LeaseError,
  ListenerError,
  VaultBadRequestError,
  VaultPermissionDeniedError,
} from '../errors';
import type { EventHub } from '../events';
import type { Envelope } from '../http/vault-response';
import { backoffDelay } from '../internal/backoff';
import type { Timers } from '../internal/timers';
import type { ResolvedOptions } from '../options';
import type { ErrorPhase, RotationReason } from '../types/events';
import type { CallOptions } from '../types/requests';
import type { Secret, SecretListener } from '../types/secret';
import type { StandardSchemaV1 } from '../types/standard-schema';
import { type Current, endOf, nextStep, viewOf } from './current-secret';
import { isCapped, renewDelay, rotationDelay } from './lease-timing';
import { snapshotOf } from './secret';
import { changed, deliver, describe, reasonPastEnd } from './secret-change';
import { kvMetadataPath, shapeSecret } from './secret-shape';

/** What a managed secret needs from the client: Vault calls (with the token handled) and the shared plumbing. */
export interface SecretContext {
  options: ResolvedOptions;
  timers: Timers;
  events: EventHub;
  read(
    request: { path: string; method: 'GET' | 'POST'; body?: Record<string, unknown> },
    call?: CallOptions,
  ): Promise<Envelope>;
  renewLease(leaseId: string, incrementMs: number): Promise<Envelope>;
  revokeLease(leaseId: string): Promise<void>;
}

/** Background work has its own backoff; a transport retry on top would only multiply the load on a struggling Vault. */
const BACKGROUND: CallOptions = { maxRetries: 0 };

interface Watcher {
  listener: SecretListener<unknown>;
  schema: StandardSchemaV1 | undefined;
}

/**
 * One secret the client keeps current: fetched once for any number of concurrent callers,
 * renewed before its lease runs out, replaced before a lease that cannot be extended dies (old
 * and new overlapping for a grace period), polled when it has no lease, and announced once per
 * change. Every failure in the background is reported and retried with backoff, never thrown.
 */
export class ManagedSecret {
  #current: Current | undefined;
  #pending: Promise<Current> | undefined;
  #failures = 0;
  #closed = false;
  #pollMetadata = true;
  readonly #watchers = new Set<Watcher>();
  readonly #timer: string;

  constructor(
    private readonly ctx: SecretContext,
    readonly key: string,
    readonly path: string,
    private readonly body: Record<string, unknown> | undefined,
  ) {
    this.#timer = `secret:${key}`;
  }

  get watched(): boolean {
    return this.#watchers.size > 0;
  }

  /** The cached value if it may still be used: never one whose lease has ended or died with its token. */
  cached<T>(schema: StandardSchemaV1 | undefined): Secret<T> | undefined {
    const c = this.#current;
    const end = c && endOf(c);
    if (!c || c.dead || (end !== undefined && this.ctx.options.clock.now() >= end)) return undefined;
    return viewOf<T>(this.path, c, schema);
  }

  async load<T>(schema: StandardSchemaV1 | undefined, call?: CallOptions): Promise<Secret<T>> {
    const hit = this.cached<T>(schema);
    if (hit) return hit;
    const reason = this.#current ? reasonPastEnd(this.#current.fetched.kind) : 'manual';
    return this.#view<T>(await this.refresh(reason, call), schema);
  }

  /** Fetches anew (one request however many ask), replacing and announcing the value if it changed. */
  refresh(reason: RotationReason, call?: CallOptions): Promise<Current> {
    this.#pending ??= this.#fetch(reason, call).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** The lease died with the token that created it: stop serving it until it is replaced. */
  markDead(): void {
    if (this.#current?.fetched.lease) this.#current.dead = true;
  }

  /**
   * After a new login: fetch anew under the new token, retrying with backoff until that works.
   * Until then the current lease is served no longer than its token lives (`tokenEndsAt`).
   * Resolves whether the first try succeeded.
   */
  async replaceAfterLogin(tokenEndsAt: number | undefined): Promise<boolean> {
    // A fetch already under way may have gone out with the old token: joining it would keep a
    // lease that dies with that token. Let it land, then fetch again.
    await this.#pending?.catch(() => undefined);
    const c = this.#current;
    if (c?.fetched.lease && tokenEndsAt !== undefined) {
      c.tokenEndsAt = Math.min(c.tokenEndsAt ?? tokenEndsAt, tokenEndsAt);
      c.views.clear();
    }
    return this.#replace('relogin');
  }

  hasLease(): boolean {
    return this.#current?.fetched.lease !== undefined;
  }

  leaseId(): string | undefined {
    return this.#current?.fetched.lease?.id;
  }

  /** Registers a watcher; `ready` settles with the first value handed to it (or the first failure). */
  watch<T>(
    listener: SecretListener<T>,
    schema: StandardSchemaV1 | undefined,
  ): { stop: () => void; ready: Promise<Secret<T>> } {
    const watcher: Watcher = { listener: listener as SecretListener<unknown>, schema };
    this.#watchers.add(watcher);
    const c = this.cached<T>(schema);
    let ready: Promise<Secret<T>>;
    if (c) {
      this.#call(watcher, c, undefined);
      ready = Promise.resolve(c);
    } else {
      ready = this.refresh('manual', BACKGROUND).then(
        (current) => {
          const view = this.#view<T>(current, schema);
          if (this.#watchers.has(watcher)) this.#call(watcher, view, undefined);
          return view;
        },
        (error: unknown) => {
          this.#report(error, 'read');
          this.#retryLater('manual');
          throw error;
        },
      );
      // The failure is reported as an event; awaiting `ready` is optional, so it must not go unhandled.
      ready.catch(() => undefined);
    }
    return {
      stop: () => {
        this.#watchers.delete(watcher);
      },
      ready,
    };
  }

  dispose(): void {
    this.#closed = true;
    this.ctx.timers.cancel(this.#timer);
  }

  async #fetch(reason: RotationReason, call?: CallOptions): Promise<Current> {
    const { clock } = this.ctx.options;
    // A lease's time runs from when Vault granted it, which is no later than when we asked:
    // counting from the answer would stretch it by however long the answer took.
    const sentAt = clock.now();
    const envelope = await this.ctx.read(
      { path: this.path, method: this.body ? 'POST' : 'GET', ...(this.body ? { body: this.body } : {}) },
      call,
    );
    const fetched = shapeSecret(this.path, envelope, sentAt);
    const previous = this.#current;
    // A lease granted for 0 s is as good as none: keep backing off rather than looping at once.
    if (!fetched.lease || fetched.lease.ttlMs > 0) this.#failures = 0;
    if (previous && !previous.dead && !changed(previous.fetched, fetched)) {
      this.#schedule(previous);
      return previous;
    }
    const current: Current = {
      fetched,
      expiresAt: fetched.expiresAt,
      leaseTtlMs: fetched.lease?.ttlMs ?? 0,
      tokenEndsAt: undefined,
      views: new Map(),
      dead: false,
      expiredReported: false,
    };
    this.#current = current;
    if (!this.#closed) this.#schedule(current);
    if (previous) this.#announce(previous, current, reason);
    return current;
  }

  #announce(previous: Current, current: Current, reason: RotationReason): void {
    const { clock, secrets } = this.ctx.options;
    this.ctx.events.emit('secret:rotated', {
      path: this.path,
      reason,
      previous: snapshotOf(previous.fetched),
      current: snapshotOf(current.fetched),
      at: clock.now(),
    });
    for (const watcher of this.#watchers) {
      const prior = this.#safeView(previous, watcher.schema);
      const next = this.#safeView(current, watcher.schema);
      if (next) this.#call(watcher, next, prior ? { previous: prior, reason } : undefined);
    }
    // The old credentials stay valid a little longer so work in flight can finish with them.
    const oldLease = previous.fetched.lease?.id;
    const alive = previous.expiresAt === undefined || previous.expiresAt > clock.now();
    if (oldLease && alive && !previous.dead && reason !== 'lease-lost' && reason !== 'relogin') {
      this.ctx.timers.schedule(`revoke:${oldLease}`, secrets.graceMs, () => this.ctx.revokeLease(oldLease));
    }
  }

  #schedule(c: Current): void {
    if (c.fetched.lease && c.leaseTtlMs <= 0) {
      this.#retryLater('lease-lost');
      return;
    }
    const [delay, task] = this.#next(c);
    this.ctx.timers.schedule(this.#timer, delay, task);
  }

  /** What keeps this kind of secret current, and when (the timing itself is in lease-timing.ts). */
  #next(c: Current): [number, () => Promise<void>] {
    const step = nextStep(c, this.ctx.options.clock.now(), this.ctx.options.secrets);
    if (step.action === 'renew') return [step.delay, () => this.#renew(c)];
    if (step.action === 'poll') return [step.delay, () => this.#poll(c)];
    return [step.delay, () => this.#rotate(step.reason)];
  }

  async #renew(c: Current): Promise<void> {
    const lease = c.fetched.lease;
    if (this.#current !== c || !lease || this.#closed) return;
    const { clock, secrets } = this.ctx.options;
    const requestedTtlMs = c.leaseTtlMs;
    const sentAt = clock.now();
    let granted: number;
    try {
      const envelope = await this.ctx.renewLease(lease.id, requestedTtlMs);
      granted = (envelope.lease_duration ?? 0) * 1000;
    } catch (error) {
      if (this.#current !== c || this.#closed) return;
      if (error instanceof VaultBadRequestError) {
        // Vault no longer knows the lease, or refuses to extend it: only a new secret helps.
        const cannotExtend = error.reasons.some((r) => /not renewable|max TTL/i.test(r));
        if (!cannotExtend) c.dead = true;
        return this.#rotate(cannotExtend ? 'max-ttl' : 'lease-lost');
      }
      this.#report(error, 'lease-renew');
      return this.#retryLater('max-ttl');
    }
    if (this.#current !== c || this.#closed) return;
    if (granted <= 0) {
      c.dead = true;
      return this.#rotate('lease-lost');
    }
    // Vault answered: the next failure backs off from the minimum again.
    this.#failures = 0;
    const now = clock.now();
    c.expiresAt = sentAt + granted;
    c.views.clear();
    this.ctx.events.emit('lease:renewed', {
      path: this.path,
      leaseId: lease.id,
      requestedTtlMs,
      ttlMs: granted,
      at: now,
    });
    if (isCapped(requestedTtlMs, granted)) {
      this.ctx.timers.schedule(
        this.#timer,
        rotationDelay(c.expiresAt, now, requestedTtlMs, secrets.rotateBefore),
        () => this.#rotate('max-ttl'),
      );
    } else {
      this.ctx.timers.schedule(this.#timer, renewDelay(granted, secrets.renewAt, secrets.jitter), () =>
        this.#renew(c),
      );
    }
  }

  async #rotate(reason: RotationReason): Promise<void> {
    await this.#replace(reason);
  }

  /** A new fetch in the background: reported and retried with backoff when it fails. Resolves whether it worked. */
  async #replace(reason: RotationReason): Promise<boolean> {
    if (this.#closed) return false;
    try {
      await this.refresh(reason, BACKGROUND);
      return true;
    } catch (error) {
      if (this.#closed) return false;
      this.#report(error, 'rotate');
      this.#retryLater(reason);
      return false;
    }
  }

  /** KV v2: a version number is cheap to check; the data is read only when it moved. */
  async #poll(c: Current): Promise<void> {
    if (this.#current !== c || this.#closed) return;
    const metadataPath = this.#pollMetadata ? kvMetadataPath(this.path) : undefined;
    if (!metadataPath) return this.#rotate('new-version');
    let latest: unknown;
    try {
      const envelope = await this.ctx.read({ path: metadataPath, method: 'GET' }, BACKGROUND);
      latest = (envelope.data as { current_version?: unknown } | null | undefined)?.current_version;
    } catch (error) {
      if (this.#closed) return;
      if (error instanceof VaultPermissionDeniedError && error.code === 'ERR_VAULT_PERMISSION_DENIED') {
        // Policies often grant `data/` but not `metadata/`: poll the data itself from now on.
        this.#pollMetadata = false;
        return this.#rotate('new-version');
      }
      this.#report(error, 'read');
      return this.#retryLater('new-version');
    }
    this.#failures = 0;
    if (typeof latest === 'number' && latest !== c.fetched.version) return this.#rotate('new-version');
    this.#schedule(c);
  }

  #retryLater(reason: RotationReason): void {
    if (this.#closed) return;
    const { clock, secrets } = this.ctx.options;
    this.#failures += 1;
    let delay = backoffDelay(this.#failures - 1, { ...secrets.backoff, jitter: 0.25 });
    const c = this.#current;
    const now = clock.now();
    const end = c && endOf(c);
    if (c && end !== undefined) {
      const remaining = end - now;
      if (remaining <= 0) this.#expired(c);
      else delay = Math.min(delay, remaining);
    }
    // A lease whose token was replaced is not worth renewing: it dies with that token.
    const renewable =
      c?.fetched.kind === 'leased' && c.fetched.lease?.renewable && !c.dead && c.tokenEndsAt === undefined;
    const stillRenewable =
      renewable && end !== undefined && end - (now + delay) > c!.leaseTtlMs * secrets.rotateBefore;
    this.ctx.timers.schedule(this.#timer, delay, () =>
      stillRenewable
        ? this.#renew(c!)
        : this.#rotate(end !== undefined && end <= clock.now() ? 'lease-lost' : reason),
    );
  }

  #expired(c: Current): void {
    if (c.expiredReported) return;
    c.expiredReported = true;
    const leaseId = c.fetched.lease?.id;
    if (leaseId)
      this.ctx.events.emit('lease:expired', { path: this.path, leaseId, at: this.ctx.options.clock.now() });
    this.#report(
      new LeaseError(
        'ERR_LEASE_EXPIRED',
        `the secret at ${this.path} expired before a replacement could be fetched; it will be fetched as soon as Vault answers`,
        {
          path: this.path,
          ...(leaseId ? { leaseId } : {}),
        },
      ),
      'rotate',
    );
  }

  #view<T>(c: Current, schema: StandardSchemaV1 | undefined): Secret<T> {
    return viewOf<T>(this.path, c, schema);
  }

  /** A view for a watcher; data its schema rejects is reported, and that watcher skips the value. */
  #safeView(c: Current, schema: StandardSchemaV1 | undefined): Secret<unknown> | undefined {
    try {
      return viewOf(this.path, c, schema);
    } catch (error) {
      this.#report(error, 'rotate');
    }
    return undefined;
  }

  #call(watcher: Watcher, secret: Secret<unknown>, change: Parameters<SecretListener<unknown>>[1]): void {
    deliver(watcher.listener, secret, change, (cause) =>
      this.#report(
        new ListenerError(`a watch listener for ${this.path} threw: ${describe(cause)}`, cause),
        'listener',
      ),
    );
  }

  #report(error: unknown, phase: ErrorPhase): void {
    const at = this.ctx.options.clock.now();
    this.ctx.events.emit('error', { error: asClientError(error), phase, path: this.path, at });
  }
}
