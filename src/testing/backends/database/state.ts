import { randomInt } from 'node:crypto';
import type { Backend } from '../../core/backend';
import type { MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';
import { VaultError } from '../../core/vault-error';
import { passwordFromPolicy } from '../../policy/password-policy';
import type { CredentialConfig } from './credential-config';
import { createPlugin, isExternal } from './plugins/catalog';
import { type DatabasePlugin, PluginError } from './plugins/plugin';
import { type PendingDrop, retryDueDrops } from './revocation';

export interface ConnectionConfig {
  pluginName: string;
  pluginVersion: string;
  /** Everything the plugin was given: connection_url, username, password and plugin-specific keys. */
  connectionDetails: Record<string, unknown>;
  allowedRoles: string[];
  rootRotationStatements: string[];
  passwordPolicy: string;
  verifyConnection: boolean;
}

export type CredentialType = 'password' | 'rsa_private_key' | 'client_certificate';

export interface DynamicRole {
  dbName: string;
  creation: string[];
  revocation: string[];
  rollback: string[];
  renew: string[];
  defaultTtl: number;
  maxTtl: number;
  credentialType: CredentialType;
  /** The completed credential_config for credentialType. */
  credentialConfig: CredentialConfig;
}

export interface StaticRole {
  dbName: string;
  username: string;
  password: string;
  rotationPeriod: number;
  rotationStatements: string[];
  credentialType: CredentialType;
  /** Epoch ms of the last rotation on the mock clock. */
  lastRotation: number;
}

/** A user the engine created, as Vault's bookkeeping (and, for the in-memory plugin, the database) knows it. */
export interface DatabaseUser {
  username: string;
  /** The password that logs in now (for a static account, the current one). */
  password: string;
  kind: 'dynamic' | 'static';
  role: string;
  dbName: string;
  /** The mount path, with its trailing slash (`database/`). */
  mount: string;
  /** Epoch ms on the mock clock. */
  createdAt: number;
  /** Dynamic users: the database-side VALID UNTIL (lease expiry plus Vault's 5 s margin). */
  validUntil: number | null;
  /** The lease that owns a dynamic user while it lives. */
  leaseId: string | null;
  /** False once the engine dropped the user (for a real database: once the DROP succeeded). */
  live: boolean;
  /** When the user was dropped (lease revoked or expired); null while live. */
  revokedAt: number | null;
  endedBy: 'revoked' | 'expired' | null;
  /** The last failure reaching the database about this user (a revocation or rotation that failed). */
  error: string | null;
  /** Failed attempts to drop a dynamic user; retried on Vault's ladder up to six, then irrevocable. */
  revokeAttempts: number;
}

/** How long Vault's rotation queue waits before it retries a static rotation that failed. */
const ROTATION_RETRY_MS = 10_000;

/** The engine's storage, its open plugin instances, and its record of the users it created. */
export class DatabaseState {
  readonly configs = new Map<string, ConnectionConfig>();
  readonly roles = new Map<string, DynamicRole>();
  readonly staticRoles = new Map<string, StaticRole>();
  readonly users = new Map<string, DatabaseUser>();
  /** Users whose DROP failed and waits for its next attempt (revocation.ts). */
  readonly pendingDrops = new Map<string, PendingDrop>();
  backend: Backend | undefined;
  readonly #connections = new Map<string, Promise<DatabasePlugin>>();
  readonly #rotating = new Map<string, Promise<void>>();
  readonly #wakes = new Set<number>();
  #timer: { handle: unknown; at: number } | undefined;
  #disposed = false;

  constructor(
    readonly core: VaultCore,
    readonly mount: MountInfo,
  ) {}

  /**
   * A new password for a user of a connection: from the connection's `password_policy` when it
   * names one (Vault's GeneratePasswordFromPolicy), Vault's default generator otherwise.
   */
  passwordFor(dbName: string): string {
    const policy = this.configs.get(dbName)?.passwordPolicy;
    if (!policy) return generatePassword();
    try {
      return passwordFromPolicy(this.core.passwordPolicies, policy);
    } catch (error) {
      throw VaultError.wrapped(500, `unable to generate password: ${(error as Error).message}`);
    }
  }

  /** Whether a connection's plugin works on a database outside the mock. */
  external(dbName: string): boolean {
    const config = this.configs.get(dbName);
    return config !== undefined && isExternal(config.pluginName);
  }

  /**
   * GetConnection: the open plugin instance for a connection, initialised again (without
   * verifying) after a reset or a restart of the engine, as Vault does.
   */
  connection(dbName: string, config: ConnectionConfig): Promise<DatabasePlugin> {
    let open = this.#connections.get(dbName);
    if (!open) {
      open = openPlugin(config, false);
      this.#connections.set(dbName, open);
      open.catch(() => {
        if (this.#connections.get(dbName) === open) this.#connections.delete(dbName);
      });
    }
    return open;
  }

  /** A config write's new instance replaces the open one, which is closed. */
  async replaceConnection(dbName: string, plugin: DatabasePlugin): Promise<void> {
    const previous = this.#connections.get(dbName);
    this.#connections.set(dbName, Promise.resolve(plugin));
    await closeQuietly(previous);
  }

  async closeConnection(dbName: string): Promise<void> {
    const previous = this.#connections.get(dbName);
    this.#connections.delete(dbName);
    await closeQuietly(previous);
  }

  /** Unmount or the mock closing: timers cleared, every connection closed. */
  async dispose(): Promise<void> {
    this.#disposed = true;
    if (this.#timer) this.core.clock.clearTimeout?.(this.#timer.handle);
    this.#timer = undefined;
    await Promise.all([...this.#rotating.values()].map((p) => p.catch(() => undefined)));
    const open = [...this.#connections.values()];
    this.#connections.clear();
    await Promise.all(open.map(closeQuietly));
  }

  /** Rotates every static account whose period has elapsed, as Vault's rotation queue would have. */
  rotateDue(now: number): Promise<void> {
    return Promise.all([...this.staticRoles].map(([name, role]) => this.rotateIfDue(name, role, now))).then(
      () => undefined,
    );
  }

  /** Rotates a static account if its period has elapsed; waits for a rotation under way. */
  async rotateIfDue(name: string, role: StaticRole, now: number): Promise<void> {
    const under = this.#rotating.get(name);
    if (under) await under.catch(() => undefined);
    const period = role.rotationPeriod * 1000;
    if (period <= 0 || now < role.lastRotation + period || this.staticRoles.get(name) !== role) return;
    // The queue rotates at each due time, so the last rotation lands on the most recent one.
    const missed = Math.floor((now - role.lastRotation) / period);
    await this.setPassword(name, role, role.lastRotation + missed * period).catch(() => undefined);
  }

  /**
   * setStaticAccount: a new password set in the database first, then recorded. The in-memory
   * plugin records it at once, so a test reading users right after sees it.
   */
  setPassword(name: string, role: StaticRole, at: number): Promise<void> {
    const password = this.passwordFor(role.dbName);
    if (!this.external(role.dbName)) {
      this.#recordPassword(name, role, password, at);
      return Promise.resolve();
    }
    const config = this.configs.get(role.dbName)!;
    const work = (async () => {
      try {
        const plugin = await this.connection(role.dbName, config);
        await plugin.changePassword(role.username, password, role.rotationStatements);
      } catch (error) {
        const user = this.users.get(role.username);
        if (user) user.error = (error as Error).message;
        this.wakeAt(this.core.now() + ROTATION_RETRY_MS);
        throw error;
      }
      this.#recordPassword(name, role, password, at);
      this.wakeAt(at + role.rotationPeriod * 1000);
    })();
    this.#rotating.set(name, work);
    void work.then(
      () => this.#rotating.delete(name),
      () => this.#rotating.delete(name),
    );
    return work;
  }

  #recordPassword(name: string, role: StaticRole, password: string, at: number): void {
    role.password = password;
    role.lastRotation = at;
    const user = this.users.get(role.username);
    if (user) {
      user.password = password;
      user.error = null;
    } else this.users.set(role.username, staticUser(name, role, this.mount.path, at));
  }

  /**
   * Asks to run the expiration sweep and the rotation queue at an instant of the mock clock: a
   * real database's users are dropped when their lease ends, not at the next request. Only
   * external plugins ask, so tests on the in-memory plugin see no timers of the engine.
   */
  wakeAt(at: number): void {
    const clock = this.core.clock;
    if (this.#disposed || !clock.setTimeout) return;
    this.#wakes.add(at);
    const next = Math.min(...this.#wakes);
    if (this.#timer && this.#timer.at <= next) return;
    if (this.#timer) clock.clearTimeout?.(this.#timer.handle);
    const handle = clock.setTimeout(() => this.#wake(), Math.max(0, next - this.core.now()));
    this.#timer = { handle, at: next };
  }

  async #wake(): Promise<void> {
    this.#timer = undefined;
    const now = this.core.now();
    for (const at of this.#wakes) if (at <= now) this.#wakes.delete(at);
    if (this.#wakes.size > 0) {
      const next = Math.min(...this.#wakes);
      this.#wakes.delete(next);
      this.wakeAt(next);
    }
    if (this.#disposed || !this.isMounted()) return;
    this.core.expire();
    // Real database I/O on the mock clock's time: the clock waits for it before moving on.
    await this.core.track(Promise.all([this.core.settled(), this.rotateDue(now), retryDueDrops(this, now)]));
  }

  /** The user table as of the mock clock's current time: expired leases swept, due rotations applied. */
  snapshot(): DatabaseUser[] {
    this.core.expire();
    void this.rotateDue(this.core.now());
    const leases = new Map<string, string>();
    for (const lease of this.core.leases.all()) {
      const username = lease.internal.username;
      if (lease.mountPath === this.mount.path && typeof username === 'string') leases.set(username, lease.id);
    }
    return [...this.users.values()].map((user) => ({
      ...user,
      leaseId: user.live && user.kind === 'dynamic' ? (leases.get(user.username) ?? null) : user.leaseId,
    }));
  }

  /** Whether this state is still the backend mounted at its path (not unmounted or replaced). */
  isMounted(): boolean {
    return this.backend !== undefined && this.core.mounts.get(this.mount.path)?.backend === this.backend;
  }
}

/** A new plugin instance for a connection, initialised with its stored details. */
export async function openPlugin(config: ConnectionConfig, verify: boolean): Promise<DatabasePlugin> {
  const plugin = createPlugin(config.pluginName);
  if (!plugin) throw new PluginError(unknownPlugin(config.pluginName));
  await plugin.initialize(config.connectionDetails, verify);
  return plugin;
}

/** Vault tries the v5 and then the v4 plugin interface, and reports both failures. */
export function unknownPlugin(name: string): string {
  return `invalid database version: 2 errors occurred:\n\t* plugin not found in the catalog: ${name}\n\t* plugin not found in the catalog: ${name}\n\n`;
}

async function closeQuietly(open: Promise<DatabasePlugin> | undefined): Promise<void> {
  const plugin = await open?.catch(() => undefined);
  await plugin?.close().catch(() => undefined);
}

function staticUser(name: string, role: StaticRole, mount: string, at: number): DatabaseUser {
  return {
    username: role.username,
    password: role.password,
    kind: 'static',
    role: name,
    dbName: role.dbName,
    mount,
    createdAt: at,
    validUntil: null,
    leaseId: null,
    live: true,
    revokedAt: null,
    endedBy: null,
    error: null,
    revokeAttempts: 0,
  };
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';
const SYMBOLS = '-';
const CHARSET = LOWER + UPPER + DIGITS + SYMBOLS;

/**
 * Vault's default password generator (openbao/openbao:internal/helper/random/string_generator.go
 * `DefaultStringGenerator`): 20 characters with at least one lowercase letter, one uppercase
 * letter, one digit and one dash, drawn uniformly and retried until every rule holds.
 */
export function generatePassword(): string {
  for (;;) {
    let password = '';
    for (let i = 0; i < 20; i++) password += CHARSET[randomInt(CHARSET.length)];
    if ([LOWER, UPPER, DIGITS, SYMBOLS].every((set) => [...password].some((c) => set.includes(c)))) {
      return password;
    }
  }
}

/** Go's url.Parse(...).Redacted(): the password of a URL's userinfo becomes `xxxxx`. */
export function redactUrl(raw: string): string {
  const match = raw.match(/^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#@]*)@(.*)$/);
  if (!match) return raw;
  const [, scheme, userinfo, rest] = match;
  // Go refuses userinfo with characters such as `{`, so templated URLs come back unchanged.
  if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:%]*$/.test(userinfo!)) return raw;
  const colon = userinfo!.indexOf(':');
  if (colon === -1) return raw;
  return `${scheme}${userinfo!.slice(0, colon)}:xxxxx@${rest}`;
}

export function urlHasPassword(raw: string): boolean {
  return redactUrl(raw) !== raw;
}
