import type { Envelope } from '../http/vault-response';
import type { SecretKind } from '../types/secret';

export interface FetchedSecret {
  kind: SecretKind;
  /** The secret's own key/values: KV v2 unwrapped. */
  data: Record<string, unknown>;
  version: number | undefined;
  metadata: Record<string, unknown> | undefined;
  lease: { id: string; ttlMs: number; renewable: boolean } | undefined;
  /** Epoch ms on the client's clock when it was asked for. */
  fetchedAt: number;
  /** How long it lasts from when it was asked for: the lease's TTL, or a static password's time to rotation. */
  ttlMs: number | undefined;
  /** A certificate's `expiration`: epoch ms on Vault's clock, not the pod's. */
  vaultExpiresAt: number | undefined;
}

export function shapeSecret(path: string, envelope: Envelope, fetchedAt: number): FetchedSecret {
  const raw = isRecord(envelope.data) ? envelope.data : {};
  const leaseId = envelope.lease_id ?? '';
  const lease = leaseId
    ? { id: leaseId, ttlMs: (envelope.lease_duration ?? 0) * 1000, renewable: envelope.renewable === true }
    : undefined;
  const base = { fetchedAt, version: undefined, metadata: undefined, lease, vaultExpiresAt: undefined };

  if (typeof raw.certificate === 'string' && typeof raw.expiration === 'number') {
    return {
      ...base,
      kind: 'certificate',
      data: raw,
      ttlMs: lease?.ttlMs,
      vaultExpiresAt: raw.expiration * 1000,
    };
  }
  if (lease) return { ...base, kind: 'leased', data: raw, ttlMs: lease.ttlMs };
  if (isRecord(raw.metadata) && typeof raw.metadata.version === 'number' && 'data' in raw) {
    return {
      ...base,
      kind: 'kv-v2',
      data: isRecord(raw.data) ? raw.data : {},
      version: raw.metadata.version,
      metadata: raw.metadata,
      ttlMs: undefined,
    };
  }
  if (/(^|\/)static-creds\//.test(path) && typeof raw.ttl === 'number') {
    return { ...base, kind: 'static-credentials', data: raw, ttlMs: raw.ttl * 1000 };
  }
  return { ...base, kind: 'kv', data: raw, ttlMs: undefined };
}

/**
 * When a fetched value stops being usable, on the upkeep's monotonic time: `sentAt` plus its TTL,
 * and for a certificate Vault's own `expiration` turned into local time (`fromVaultWall`, which
 * corrects the skew between Vault's clock and the pod's).
 */
export function endsAtOf(
  fetched: FetchedSecret,
  sentAt: number,
  fromVaultWall: (vaultMs: number) => number,
): number | undefined {
  const byTtl = fetched.ttlMs === undefined ? undefined : sentAt + fetched.ttlMs;
  if (fetched.vaultExpiresAt === undefined) return byTtl;
  const expiry = fromVaultWall(fetched.vaultExpiresAt);
  return byTtl === undefined ? expiry : Math.min(expiry, byTtl);
}

/** `secret/data/myapp/config` → `secret/metadata/myapp/config`: where a KV v2 version is polled. */
export function kvMetadataPath(path: string): string | undefined {
  const at = path.indexOf('/data/');
  return at === -1 ? undefined : `${path.slice(0, at)}/metadata/${path.slice(at + '/data/'.length)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
