import { randomInt } from 'node:crypto';
import type { Backend } from '../../core/backend';
import { base62 } from '../../core/ids';
import type { MountInfo } from '../../core/types';
import type { VaultCore } from '../../core/vault-core';

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

/** A user the mock database holds: what a test inspects to prove a client never uses a dead credential. */
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
  live: boolean;
  /** When the user was dropped (lease revoked or expired); null while live. */
  revokedAt: number | null;
  endedBy: 'revoked' | 'expired' | null;
}

/** The engine's storage and the user table of the pretend database behind it. */
export class DatabaseState {
  readonly configs = new Map<string, ConnectionConfig>();
  readonly roles = new Map<string, DynamicRole>();
  readonly staticRoles = new Map<string, StaticRole>();
  readonly users = new Map<string, DatabaseUser>();
  backend: Backend | undefined;

  constructor(
    readonly core: VaultCore,
    readonly mount: MountInfo,
  ) {}

  /** Rotates every static account whose period has elapsed, as Vault's rotation queue would have. */
  rotateDue(now: number): void {
    for (const [name, role] of this.staticRoles) this.rotateIfDue(name, role, now);
  }

  rotateIfDue(name: string, role: StaticRole, now: number): void {
    const period = role.rotationPeriod * 1000;
    if (period <= 0 || now < role.lastRotation + period) return;
    // The queue rotates at each due time, so the last rotation lands on the most recent one.
    const missed = Math.floor((now - role.lastRotation) / period);
    this.setPassword(name, role, role.lastRotation + missed * period);
  }

  setPassword(name: string, role: StaticRole, at: number): void {
    role.password = generatePassword();
    role.lastRotation = at;
    const user = this.users.get(role.username);
    if (user) user.password = role.password;
    else this.users.set(role.username, staticUser(name, role, this.mount.path, at));
  }

  /** The user table as of the mock clock's current time: expired leases swept, due rotations applied. */
  snapshot(): DatabaseUser[] {
    this.core.expire();
    this.rotateDue(this.core.now());
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
  };
}

const truncate = (text: string, length: number) => text.slice(0, length);

/**
 * The PostgreSQL plugin's default username template:
 * `{{ printf "v-%s-%s-%s-%s" (.DisplayName | truncate 8) (.RoleName | truncate 8) (random 20) (unix_time) | truncate 63 }}`
 * (openbao/openbao:internal/builtin/database/postgresql/postgresql.go). Other plugins differ
 * (MySQL, for instance, is limited to 32 characters); the mock speaks PostgreSQL's dialect.
 */
export function generateUsername(displayName: string, roleName: string, now: number): string {
  const unix = Math.floor(now / 1000);
  return truncate(`v-${truncate(displayName, 8)}-${truncate(roleName, 8)}-${base62(20)}-${unix}`, 63);
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
