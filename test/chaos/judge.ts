import type { Secret } from 'vault-kubernetes-client';
import type { MockVault } from 'vault-kubernetes-client/testing';
import type { Wire } from './wire';
import type { KvHistory, SecretSpec } from './world';

/** What the chaos did behind the client's back: the only excuse for serving a dead credential. */
export interface Sabotage {
  /** Lease id → when the chaos revoked it, directly or with its token. */
  leases: Map<string, number>;
  /** Lease id → the accessor of the token that created it. */
  owners: Map<string, string>;
}

export interface JudgeOptions {
  /** The longest a KV secret may lag a write while Vault answers: one poll interval, with its jitter. */
  pollLagMs: number;
  /** How long after Vault is back a background retry is sure to have run (the backoff cap). */
  recoveryMs: number;
  /** Fault windows [start, end) on the mock clock, for the KV lag allowance. */
  windows: () => readonly { start: number; end: number }[];
}

/**
 * The invariants on every value the client hands out, judged by the mock Vault as the oracle:
 * database credentials must log in now, leases must be alive, certificates unexpired, KV no
 * older than the polling allows. A credential the chaos revoked behind the client's back is
 * excused until Vault has told the client so (a renewal answered 400, or 403 invalid token).
 */
export class Judge {
  readonly violations: string[] = [];
  checks = 0;
  #memo: { key: string; leases: Set<string> } | undefined;
  /** Leases with the credential the database has accepted for them once. */
  readonly #confirmed = new Set<string>();
  /** Static passwords known good, until Vault's next rotation. */
  readonly #staticUntil = new Map<string, { credential: string; until: number }>();

  constructor(
    private readonly mock: MockVault,
    private readonly wire: Wire,
    private readonly kvHistory: KvHistory,
    readonly sabotage: Sabotage,
    private readonly options: JudgeOptions,
  ) {}

  check(spec: SecretSpec, secret: Secret<Record<string, unknown>>, via: string): void {
    this.checks += 1;
    const now = this.mock.clock.now();
    const fail = (what: string) => {
      if (this.violations.length < 50)
        this.violations.push(`${new Date(now).toISOString()} ${via} ${spec.key} (${spec.path}): ${what}`);
    };
    // A static password read in Vault's last second before a rotation comes with ttl 0: fresh, and judged below.
    if (secret.expiresAt !== undefined && secret.expiresAt <= now && spec.kind !== 'static')
      fail(`served past its own expiresAt (${now - secret.expiresAt} ms ago)`);
    const data = secret.data;
    switch (spec.kind) {
      case 'dynamic': {
        const lease = secret.lease;
        if (!lease) {
          fail('a dynamic credential without a lease');
          return;
        }
        if (this.#leases(now).has(lease.id)) {
          // The mock's database keeps a dynamic user exactly as long as its lease: ask it once per credential.
          const confirmed = `${lease.id}\0${data.username}\0${data.password}`;
          if (this.#confirmed.has(confirmed) || this.#works(data)) this.#confirmed.add(confirmed);
          else fail('the lease is alive but the database refuses its credential');
          return;
        }
        if (this.#works(data)) return;
        if (!this.#excuse(lease.id))
          fail(
            `dead credential served (lease ${lease.id.slice(-6)} gone from Vault, not by chaos or the client was told)`,
          );
        return;
      }
      case 'static': {
        const { createdAt, periodMs } = spec.staticRotation!;
        const credential = `${data.username}\0${data.password}`;
        const known = this.#staticUntil.get(spec.key);
        if (known?.credential === credential && now < known.until) return;
        if (this.#works(data)) {
          // A static password that works now works until Vault's next rotation.
          const until = createdAt + (Math.floor((now - createdAt) / periodMs) + 1) * periodMs;
          this.#staticUntil.set(spec.key, { credential, until });
          return;
        }
        // Vault reports the time to the next rotation in whole seconds, so a read may be up to 1 s late.
        const sinceRotation = (now - createdAt) % periodMs;
        if (sinceRotation > 1_000) fail(`stale static password, ${sinceRotation} ms after Vault rotated it`);
        return;
      }
      case 'pki': {
        const expiration = Number(data.expiration) * 1000;
        if (!(expiration > now))
          fail(`expired certificate (expiration ${new Date(expiration).toISOString()})`);
        return;
      }
      case 'kv2':
      case 'kv1': {
        const version = spec.kind === 'kv2' ? secret.version : Number(data.rev);
        const newest = this.#newestDue(spec.path, now);
        if (version === undefined || version < newest)
          fail(`KV version ${version} served, but version ${newest} was written long enough ago`);
        return;
      }
    }
  }

  /** The newest KV version the client must already serve: written a poll interval ago, outages allowed for. */
  #newestDue(path: string, now: number): number {
    let due = 0;
    for (const { version, at } of this.kvHistory.get(path) ?? []) {
      let deadline = at + this.options.pollLagMs;
      for (const w of this.options.windows()) {
        // A poll that fell in a fault window is retried within the backoff cap after it.
        if (w.start < deadline && w.end > at) deadline = Math.max(deadline, w.end + this.options.recoveryMs);
      }
      if (deadline < now) due = version;
    }
    return due;
  }

  #excuse(leaseId: string): boolean {
    const revoked = this.sabotage.leases.get(leaseId);
    if (revoked === undefined) return false;
    if ((this.wire.leasesTold.get(leaseId) ?? -1) >= revoked) return false;
    const owner = this.sabotage.owners.get(leaseId);
    if (owner !== undefined && (this.wire.tokensTold.get(owner) ?? -1) >= revoked) return false;
    return true;
  }

  /** Whether the mock's database would let this credential log in now: the oracle. */
  #works(data: Record<string, unknown>): boolean {
    return this.mock.databaseCredentialWorks(String(data.username), String(data.password));
  }

  /** Vault's live leases, read once per state of the world (time, answers, sabotage). */
  #leases(now: number): Set<string> {
    const key = `${now}:${this.wire.generation}:${this.sabotage.leases.size}`;
    if (this.#memo?.key === key) return this.#memo.leases;
    const leases = new Set<string>();
    for (const lease of this.mock.leases()) {
      leases.add(lease.id);
      this.sabotage.owners.set(lease.id, lease.tokenAccessor);
    }
    this.#memo = { key, leases };
    return leases;
  }
}
