import { X509Certificate } from 'node:crypto';
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
  /** A certificate's whole validity (notAfter - notBefore), read from the certificate itself. */
  lifetimeMs?: number | undefined;
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
      lifetimeMs: certificateLifetimeMs(raw.certificate),
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
 * corrects the skew between Vault's clock and the pod's). The skew comes from `Date` headers, which
 * a proxy or a broken clock can make absurd; the certificate's own lifetime is better evidence, so
 * a skew can shorten a certificate's end but never put it further than `sentAt` plus its lifetime
 * (a `Date` of 1970 would otherwise keep a 1-hour certificate "valid" for decades).
 */
export function endsAtOf(
  fetched: FetchedSecret,
  sentAt: number,
  fromVaultWall: (vaultMs: number) => number,
): number | undefined {
  const byTtl = fetched.ttlMs === undefined ? undefined : sentAt + fetched.ttlMs;
  if (fetched.vaultExpiresAt === undefined) return byTtl;
  const byVault = fromVaultWall(fetched.vaultExpiresAt);
  const byLifetime = fetched.lifetimeMs === undefined ? undefined : sentAt + fetched.lifetimeMs;
  return Math.min(byVault, byTtl ?? Number.POSITIVE_INFINITY, byLifetime ?? Number.POSITIVE_INFINITY);
}

/** notAfter - notBefore of a PEM certificate; undefined when it cannot be read (the caller then trusts `expiration`). */
function certificateLifetimeMs(pem: string): number | undefined {
  try {
    const certificate = new X509Certificate(pem);
    const lifetime = Date.parse(certificate.validTo) - Date.parse(certificate.validFrom);
    return Number.isFinite(lifetime) && lifetime > 0 ? lifetime : undefined;
  } catch {
    return undefined;
  }
}

/** `secret/data/myapp/config` → `secret/metadata/myapp/config`: where a KV v2 version is polled. */
export function kvMetadataPath(path: string): string | undefined {
  const at = path.indexOf('/data/');
  return at === -1 ? undefined : `${path.slice(0, at)}/metadata/${path.slice(at + '/data/'.length)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
